namespace CiliumL7.Policy.Api;

/// <summary>One <c>toPorts</c> item: ports (≤40) and optional L7 rules.</summary>
public sealed record PortRule
{
    /// <summary><c>ports</c>.</summary>
    public IReadOnlyList<PortProtocol> Ports { get; init; } = [];

    /// <summary><c>rules</c> (L7), null when absent.</summary>
    public L7Rules? Rules { get; init; }

    /// <summary><c>serverNames</c> (TLS SNI).</summary>
    public IReadOnlyList<string>? ServerNames { get; init; }

    /// <summary><c>terminatingTLS</c>.</summary>
    public TlsContext? TerminatingTls { get; init; }

    /// <summary><c>originatingTLS</c>.</summary>
    public TlsContext? OriginatingTls { get; init; }
}
