namespace CiliumL7.Proxy.Metrics;

/// <summary>
/// The proxy's counters (<c>cilium_policy_l7_total{rule,proxy_type="http"}</c>,
/// <c>cilium_proxy_redirects{protocol}</c>). Thread-safe; read with <see cref="Snapshot"/>.
/// </summary>
public sealed class ProxyCounters
{
    private long _received;
    private long _forwarded;
    private long _denied;
    private long _parseErrors;
    private long _httpRedirects;

    internal void Received() => Interlocked.Increment(ref _received);

    internal void Forwarded() => Interlocked.Increment(ref _forwarded);

    internal void Denied() => Interlocked.Increment(ref _denied);

    internal void ParseError() => Interlocked.Increment(ref _parseErrors);

    internal void SetHttpRedirects(int count) => Interlocked.Exchange(ref _httpRedirects, count);

    /// <summary>A consistent-enough copy of every counter.</summary>
    public ProxyCountersSnapshot Snapshot() => new(
        Interlocked.Read(ref _received),
        Interlocked.Read(ref _forwarded),
        Interlocked.Read(ref _denied),
        Interlocked.Read(ref _parseErrors),
        Interlocked.Read(ref _httpRedirects));
}
