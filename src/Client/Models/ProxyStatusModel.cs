namespace CiliumL7.Client.Models;

/// <summary>Proxy part of <see cref="StatusModel"/>.</summary>
public sealed record ProxyStatusModel
{
    /// <summary><c>Ok</c>, <c>Disabled</c> or <c>Failure</c>.</summary>
    public required string State { get; init; }

    /// <summary>Why the state is not <c>Ok</c>, if so.</summary>
    public string? Message { get; init; }

    /// <summary>Redirects open: one listener per (endpoint, direction, port).</summary>
    public IReadOnlyList<ProxyRedirectModel> Redirects { get; init; } = [];

    /// <summary>The DNS proxy; null when the proxy is not running.</summary>
    public DnsProxyStatusModel? Dns { get; init; }
}
