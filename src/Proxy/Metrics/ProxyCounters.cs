namespace CiliumL7.Proxy.Metrics;

/// <summary>
/// The proxy's counters, one <see cref="ProtocolCounters"/> per proxy type
/// (<c>cilium_policy_l7_total{rule,proxy_type}</c>, <c>cilium_proxy_redirects{protocol}</c>).
/// The parameterless members count HTTP (the HTTP pipeline's shorthand).
/// </summary>
public sealed class ProxyCounters
{
    private readonly ProtocolCounters _http = new(ProxyType.Http);
    private readonly ProtocolCounters _dns = new(ProxyType.Dns);
    private readonly ProtocolCounters _kafka = new(ProxyType.Kafka);

    /// <summary>Every proxy type's counters, in <see cref="ProxyType"/> order.</summary>
    public IReadOnlyList<ProtocolCounters> All => [_http, _dns, _kafka];

    /// <summary>The counters of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a proxy type.</exception>
    public ProtocolCounters For(ProxyType type) => type switch
    {
        ProxyType.Http => _http,
        ProxyType.Dns => _dns,
        ProxyType.Kafka => _kafka,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a proxy type"),
    };

    internal void Received() => _http.Received();

    internal void Forwarded() => _http.Forwarded();

    internal void Denied() => _http.Denied();

    internal void ParseError() => _http.ParseError();

    /// <summary>The HTTP counters' snapshot.</summary>
    public ProxyCountersSnapshot Snapshot() => _http.Snapshot();

    /// <summary>The counters' snapshot of <paramref name="type"/>.</summary>
    public ProxyCountersSnapshot Snapshot(ProxyType type) => For(type).Snapshot();
}
