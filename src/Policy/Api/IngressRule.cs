namespace CiliumL7.Policy.Api;

/// <summary>
/// One item of <c>ingress</c> / <c>ingressDeny</c>: at most one kind of peer
/// plus ports (or ICMP types). No peer and no ports selects nothing; no peer
/// with ports means any peer.
/// </summary>
public sealed record IngressRule
{
    /// <summary><c>fromEndpoints</c>.</summary>
    public IReadOnlyList<EndpointSelector>? FromEndpoints { get; init; }

    /// <summary><c>fromCIDR</c>.</summary>
    public IReadOnlyList<string>? FromCidr { get; init; }

    /// <summary><c>fromCIDRSet</c>.</summary>
    public IReadOnlyList<CidrRule>? FromCidrSet { get; init; }

    /// <summary><c>fromEntities</c>.</summary>
    public IReadOnlyList<string>? FromEntities { get; init; }

    /// <summary><c>fromNodes</c>.</summary>
    public IReadOnlyList<EndpointSelector>? FromNodes { get; init; }

    /// <summary><c>toPorts</c>.</summary>
    public IReadOnlyList<PortRule>? ToPorts { get; init; }

    /// <summary><c>icmps</c>.</summary>
    public IReadOnlyList<IcmpRule>? Icmps { get; init; }
}
