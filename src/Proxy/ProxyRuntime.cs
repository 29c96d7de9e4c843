using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Metrics;
using CiliumL7.Proxy.Transport;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace CiliumL7.Proxy;

/// <summary>What every listener of one <see cref="L7Proxy"/> shares.</summary>
internal sealed class ProxyRuntime(
    ProxyOptions options,
    IPeerResolver peers,
    IFlowSink flows,
    ProxyCounters counters,
    IHttpForwarder forwarder,
    UpstreamClientPool upstreams,
    UpstreamConnectionPool fastUpstreams,
    ILogger logger)
{
    private volatile IProxyPolicy? _policy;
    private long _requestIds;
    private long _fastPathRequests;
    private long _fastPathHandOffs;
    private long _clientResets;

    public ProxyOptions Options { get; } = options;

    public IPeerResolver Peers { get; } = peers;

    public IFlowSink Flows { get; } = flows;

    public ProxyCounters Counters { get; } = counters;

    public IHttpForwarder Forwarder { get; } = forwarder;

    public UpstreamClientPool Upstreams { get; } = upstreams;

    /// <summary>Raw upstream connections of the HTTP/1.1 fast path.</summary>
    public UpstreamConnectionPool FastUpstreams { get; } = fastUpstreams;

    public ILogger Logger { get; } = logger;

    public ForwarderRequestConfig Http1Config { get; } = new()
    {
        ActivityTimeout = options.UpstreamResponseTimeout,
        Version = System.Net.HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    public ForwarderRequestConfig Http2Config { get; } = new()
    {
        ActivityTimeout = options.UpstreamResponseTimeout,
        Version = System.Net.HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>The current policy snapshot; null = deny everything.</summary>
    public IProxyPolicy? Policy
    {
        get => _policy;
        set => _policy = value;
    }

    /// <summary>Learns the addresses of allowed DNS answers for toFQDNs (the agent sets its own; default learns nothing).</summary>
    public Dns.IFqdnLearner FqdnLearner { get; set; } = Dns.NullFqdnLearner.Instance;

    /// <summary>The DNS queries in flight (bounded in total and per client).</summary>
    /// <summary>The DNS proxy's pooled UDP upstream sockets (one per server, query ids rewritten).</summary>
    public Dns.DnsUdpUpstreamPool DnsUpstreams { get; } = new(options);

    public Dns.DnsAdmission DnsAdmission { get; } = new(options.DnsMaxQueriesInFlight, options.DnsMaxQueriesInFlightPerClient);

    /// <summary>Sockets UDP answers go out from (the original destination's address and port).</summary>
    public Transport.UdpReplySockets UdpReplies { get; } = new(options.TransparentListeners, options.NetworkNamespace);

    /// <summary>Told about each listening socket (the agent's sk_lookup registration); null when nobody asks.</summary>
    public IProxyListenerRegistry? ListenerRegistry { get; set; }

    public ulong NextRequestId() => (ulong)Interlocked.Increment(ref _requestIds);

    /// <summary>Requests the HTTP/1.1 fast path served itself (tests, diagnostics).</summary>
    public long FastPathRequests => Interlocked.Read(ref _fastPathRequests);

    /// <summary>Connections the fast path handed to Kestrel's HTTP/1.1 stack.</summary>
    public long FastPathHandOffs => Interlocked.Read(ref _fastPathHandOffs);

    public void CountFastPathRequest() => Interlocked.Increment(ref _fastPathRequests);

    public void CountFastPathHandOff() => Interlocked.Increment(ref _fastPathHandOffs);

    /// <summary>Client connections reset (or aborted) while the fast path served them; logged at debug only.</summary>
    public long ClientResets => Interlocked.Read(ref _clientResets);

    public void CountClientReset() => Interlocked.Increment(ref _clientResets);
}
