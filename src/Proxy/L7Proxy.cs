using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Http;
using CiliumL7.Proxy.Metrics;
using CiliumL7.Proxy.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace CiliumL7.Proxy;

/// <summary>
/// The embedded L7 proxy the agent hosts: one transparent listener per
/// <see cref="ProxyRedirect"/>, started by the <see cref="IRedirectListenerFactory"/> of its
/// <see cref="ProxyType"/> (HTTP: Kestrel + YARP), every request judged against the current
/// <see cref="IProxyPolicy"/> snapshot, denies answered with 403
/// <c>Access denied\r\n</c>, the rest forwarded with YARP to the original
/// destination, every request/response reported to an <see cref="IFlowSink"/>.
/// </summary>
public sealed class L7Proxy : IAsyncDisposable
{
    private readonly ProxyRuntime _runtime;
    private readonly ServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<ushort, IRedirectListener> _listeners = [];
    private readonly Dictionary<ProxyType, IRedirectListenerFactory> _factories = [];
    private bool _disposed;

    /// <summary>Creates a proxy; no listener runs until <see cref="AddRedirectAsync"/>.</summary>
    public L7Proxy(ProxyOptions options, IPeerResolver peers, IFlowSink flows, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(peers);
        ArgumentNullException.ThrowIfNull(flows);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        var services = new ServiceCollection();
        services.AddSingleton(_loggerFactory);
        services.AddLogging();
        services.AddHttpForwarder();
        _services = services.BuildServiceProvider();
        Counters = new ProxyCounters();
        _runtime = new ProxyRuntime(
            options,
            peers,
            flows,
            Counters,
            _services.GetRequiredService<IHttpForwarder>(),
            new UpstreamClientPool(options),
            new UpstreamConnectionPool(options),
            _loggerFactory.CreateLogger("CiliumL7.Proxy"));

        // One factory per protocol folder; adding a protocol adds a line here.
        Register(new HttpListenerFactory(_runtime, _services, _loggerFactory));
        Register(new Dns.DnsListenerFactory(_runtime, _services, _loggerFactory));
        Register(new Kafka.KafkaListenerFactory(_runtime, _services, _loggerFactory));
    }

    /// <summary>True when redirects of <paramref name="type"/> can be served.</summary>
    public bool Supports(ProxyType type) => _factories.ContainsKey(type);

    private void Register(IRedirectListenerFactory factory) => _factories.Add(factory.Type, factory);

    /// <summary>What every listener shares (tests read the fast path's counters).</summary>
    internal ProxyRuntime Runtime => _runtime;

    /// <summary>The options the proxy runs with.</summary>
    public ProxyOptions Options => _runtime.Options;

    /// <summary>Request and redirect counters.</summary>
    public ProxyCounters Counters { get; }

    /// <summary>HTTP/1.1 requests the fast path served itself (the rest of the HTTP requests went through Kestrel).</summary>
    public long FastPathRequests => _runtime.FastPathRequests;

    /// <summary>
    /// Told about every listening socket of every redirect listener started
    /// from now on (set it before the first redirect).
    /// </summary>
    public IProxyListenerRegistry? ListenerRegistry
    {
        get => _runtime.ListenerRegistry;
        set => _runtime.ListenerRegistry = value;
    }

    /// <summary>
    /// Learns the addresses of allowed DNS answers for toFQDNs; the DNS proxy holds each
    /// answer until it completes (at most <see cref="ProxyOptions.DnsResponseMaxDelay"/>).
    /// Default: learns nothing.
    /// </summary>
    public Dns.IFqdnLearner FqdnLearner
    {
        get => _runtime.FqdnLearner;
        set => _runtime.FqdnLearner = value ?? Dns.NullFqdnLearner.Instance;
    }

    /// <summary>DNS queries in flight now (bounded by the options).</summary>
    public int DnsQueriesInFlight => _runtime.DnsAdmission.InFlight;

    /// <summary>The redirects currently listening.</summary>
    public IReadOnlyList<ProxyRedirect> Redirects
    {
        get
        {
            _gate.Wait();
            try
            {
                var list = new List<ProxyRedirect>(_listeners.Count);
                foreach (var listener in _listeners.Values)
                {
                    list.Add(listener.Redirect);
                }
                return list;
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>Nothing to start up front (listeners start per redirect); kept for the host's lifecycle symmetry.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Replaces the policy snapshot atomically; requests already judged keep
    /// their verdict, the next request reads the new snapshot. Null = deny all.
    /// </summary>
    public void SetPolicy(IProxyPolicy? policy)
    {
        _runtime.Policy = policy;
        Log.PolicyReplaced(_runtime.Logger);
    }

    /// <summary>
    /// Starts the listener of <paramref name="redirect"/>. Same redirect again: no-op.
    /// Same port with a different redirect: the old listener is stopped first.
    /// Throws when the port cannot be bound.
    /// </summary>
    public async Task AddRedirectAsync(ProxyRedirect redirect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(redirect);
        if (!_factories.TryGetValue(redirect.Type, out var factory))
        {
            throw new NotSupportedException($"proxy type {redirect.Type} on port {redirect.ProxyPort}: no listener for this protocol is implemented");
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listeners.TryGetValue(redirect.ProxyPort, out var existing))
            {
                if (existing.Redirect == redirect)
                {
                    return;
                }
                _listeners.Remove(redirect.ProxyPort);
                await existing.DisposeAsync().ConfigureAwait(false);
            }
            var listener = await factory.StartAsync(redirect, cancellationToken).ConfigureAwait(false);
            _listeners.Add(redirect.ProxyPort, listener);
            CountRedirects();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the listener on <paramref name="proxyPort"/> (in-flight requests get a short grace period). False when none.</summary>
    public async Task<bool> RemoveRedirectAsync(ushort proxyPort, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_listeners.Remove(proxyPort, out var listener))
            {
                return false;
            }
            CountRedirects();
            await listener.DisposeAsync().ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void CountRedirects()
    {
        foreach (var counters in Counters.All)
        {
            var count = 0;
            foreach (var listener in _listeners.Values)
            {
                if (listener.Redirect.Type == counters.Type)
                {
                    count++;
                }
            }
            counters.SetRedirects(count);
        }
    }

    /// <summary>Stops every listener and closes upstream connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (var listener in _listeners.Values)
            {
                await listener.DisposeAsync().ConfigureAwait(false);
            }
            _listeners.Clear();
            CountRedirects();
            _runtime.Upstreams.Dispose();
            _runtime.FastUpstreams.Dispose();
            _runtime.UdpReplies.Dispose();
            _runtime.DnsUpstreams.Dispose();
            await _services.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
