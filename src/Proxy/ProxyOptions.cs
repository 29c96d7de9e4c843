using System.Net;

namespace CiliumL7.Proxy;

/// <summary>Settings of the L7 proxy. Defaults are the production ones (transparent, marked).</summary>
public sealed record ProxyOptions
{
    /// <summary>Addresses every redirect listener binds (default <c>0.0.0.0</c> and <c>[::]</c>, v6 only when the OS supports it).</summary>
    public IReadOnlyList<IPAddress> ListenAddresses { get; init; } = DefaultListenAddresses();

    /// <summary>Set IP_TRANSPARENT on listen sockets so sockets assigned by eBPF (non-local destinations) are accepted. Needs CAP_NET_ADMIN.</summary>
    public bool TransparentListeners { get; init; } = true;

    /// <summary>Bind upstream sockets to the original client address (IP_TRANSPARENT). Needs CAP_NET_ADMIN; off for loopback tests.</summary>
    public bool TransparentUpstream { get; init; } = true;

    /// <summary>SO_MARK put on upstream sockets so eBPF does not redirect them again; 0 = no mark (tests).</summary>
    public uint UpstreamMark { get; init; } = ProxyMarks.FromProxy;

    /// <summary>
    /// Create every listen and upstream socket in this network namespace (a path such as
    /// <c>/var/run/netns/node1</c>); null = the process's own. For running a "node" in a
    /// namespace from a process outside it (standalone multi-node mode, privileged tests).
    /// </summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>
    /// Run request processing on the socket I/O threads instead of the thread pool
    /// (Kestrel's <c>UnsafePreferInlineScheduling</c>): fewer hops per request. Safe
    /// here because the request path never blocks; an <see cref="Flows.IFlowSink"/>
    /// or <see cref="IPeerResolver"/> must not block either. On by default.
    /// </summary>
    public bool InlineScheduling { get; init; } = true;

    /// <summary>
    /// Scheduler time slice asked for the proxy's I/O threads (the DNS proxy's threads and the
    /// runtime's socket engine threads, which run the TCP request path inline): a short slice
    /// lets a waking I/O thread preempt longer-running work on its CPU at once (Linux 6.12+
    /// EEVDF, <see cref="Transport.IoThreadSlice"/>). Zero (the default) leaves the kernel's
    /// default: on the shared test machine an A/B showed no gain yet (perf/RESULTS.md). Agent
    /// flag <c>--proxy-io-slice-us</c>.
    /// </summary>
    public TimeSpan IoThreadSlice { get; init; }

    /// <summary>
    /// Serve plain HTTP/1.1 requests (no body or a Content-Length body) on the fast path
    /// (<c>Http/FastPath</c>: own head parser, raw pooled upstream connections) and
    /// leave everything else to Kestrel + YARP at a request boundary. Both judge with
    /// the same canonical form and rules. Agent flag <c>--proxy-http1-fast-path</c>.
    /// </summary>
    public bool Http1FastPath { get; init; } = true;

    /// <summary>Replace header values in flow events with <c>"HIDDEN"</c>.</summary>
    public bool RedactHeaderValues { get; init; }

    /// <summary>
    /// Emit L7 flow events at all (default). Off only to measure what flows
    /// cost: enforcement, counters and logs are unchanged.
    /// </summary>
    public bool EmitFlows { get; init; } = true;

    /// <summary>Copy request headers into flow events at all.</summary>
    public bool FlowHeaders { get; init; } = true;

    /// <summary>Longest request line (414 beyond).</summary>
    public int MaxRequestLineSize { get; init; } = 8 * 1024;

    /// <summary>Total size of request headers (431 beyond).</summary>
    public int MaxRequestHeadersTotalSize { get; init; } = 32 * 1024;

    /// <summary>Number of request headers (431 beyond).</summary>
    public int MaxRequestHeaderCount { get; init; } = 100;

    /// <summary>Time allowed to receive the request headers (slowloris).</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Idle keep-alive timeout of client connections.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Concurrent connections per listener; null = unlimited.</summary>
    public long? MaxConnectionsPerListener { get; init; } = 10_000;

    /// <summary>Minimum request body rate (bytes/s) after a grace period; null disables.</summary>
    public double? MinRequestBodyBytesPerSecond { get; init; } = 240;

    /// <summary>Time allowed to open an upstream connection (504 beyond).</summary>
    public TimeSpan UpstreamConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Upstream inactivity timeout while waiting for the response or its body (504 before headers).</summary>
    public TimeSpan UpstreamResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Idle upstream connections are closed after this.</summary>
    public TimeSpan UpstreamIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Most distinct client addresses with their own upstream pool (transparent mode).</summary>
    public int MaxUpstreamPools { get; init; } = 4096;

    /// <summary>What a denied DNS query is answered with (REFUSED unless <c>nameError</c>).</summary>
    public Dns.DnsRejectResponseCode DnsRejectResponseCode { get; init; } = Dns.DnsRejectResponseCode.Refused;

    /// <summary>
    /// Longest time an allowed DNS answer is held while the <see cref="Dns.IFqdnLearner"/> writes
    /// what it unlocks (<c>--tofqdns-proxy-response-max-delay</c>); the answer goes out as soon
    /// as the learner completes. When this passes first (or the learner fails) the pod gets
    /// SERVFAIL: an answer is never released before the datapath allows its addresses.
    /// </summary>
    public TimeSpan DnsResponseMaxDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time the DNS server has to answer a forwarded query; SERVFAIL beyond.</summary>
    public TimeSpan DnsUpstreamTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Idle time after which a client's DNS-over-TCP connection is closed.</summary>
    public TimeSpan DnsTcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>DNS queries in flight in the whole proxy; past it a query gets SERVFAIL at once.</summary>
    public int DnsMaxQueriesInFlight { get; init; } = 4096;

    /// <summary>DNS queries in flight per client address (pod); past it a query gets SERVFAIL at once.</summary>
    public int DnsMaxQueriesInFlightPerClient { get; init; } = 256;

    private static IPAddress[] DefaultListenAddresses() =>
        System.Net.Sockets.Socket.OSSupportsIPv6 ? [IPAddress.Any, IPAddress.IPv6Any] : [IPAddress.Any];

    /// <summary>Limits of proxied Kafka connections (request size, in-flight requests).</summary>
    public Kafka.KafkaProxyOptions Kafka { get; init; } = new();
}
