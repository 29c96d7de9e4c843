namespace CiliumL7.Proxy.Metrics;

/// <summary>
/// The counters of one proxy type (<c>cilium_policy_l7_total{rule,proxy_type}</c>,
/// <c>cilium_proxy_redirects{protocol}</c>). Thread-safe.
/// </summary>
public sealed class ProtocolCounters
{
    private long _received;
    private long _forwarded;
    private long _denied;
    private long _parseErrors;
    private long _redirects;

    internal ProtocolCounters(ProxyType type) => Type = type;

    /// <summary>The proxy type counted.</summary>
    public ProxyType Type { get; }

    /// <summary>One request (query, message) received.</summary>
    public void Received() => Interlocked.Increment(ref _received);

    /// <summary>One request allowed and forwarded.</summary>
    public void Forwarded() => Interlocked.Increment(ref _forwarded);

    /// <summary>One request denied by policy.</summary>
    public void Denied() => Interlocked.Increment(ref _denied);

    /// <summary>One request refused as malformed.</summary>
    public void ParseError() => Interlocked.Increment(ref _parseErrors);

    internal void SetRedirects(int count) => Interlocked.Exchange(ref _redirects, count);

    /// <summary>A consistent-enough copy of every counter.</summary>
    public ProxyCountersSnapshot Snapshot() => new(
        Interlocked.Read(ref _received),
        Interlocked.Read(ref _forwarded),
        Interlocked.Read(ref _denied),
        Interlocked.Read(ref _parseErrors),
        Interlocked.Read(ref _redirects));
}
