namespace CiliumL7.Policy.Api;

/// <summary>One item of <c>egress</c> / <c>egressDeny</c>: at most one kind of peer plus ports (or ICMP types).</summary>
public sealed record EgressRule
{
    /// <summary><c>toEndpoints</c>.</summary>
    public IReadOnlyList<EndpointSelector>? ToEndpoints { get; init; }

    /// <summary><c>toCIDR</c>.</summary>
    public IReadOnlyList<string>? ToCidr { get; init; }

    /// <summary><c>toCIDRSet</c>.</summary>
    public IReadOnlyList<CidrRule>? ToCidrSet { get; init; }

    /// <summary><c>toEntities</c>.</summary>
    public IReadOnlyList<string>? ToEntities { get; init; }

    /// <summary><c>toServices</c>.</summary>
    public IReadOnlyList<Service>? ToServices { get; init; }

    /// <summary><c>toFQDNs</c>.</summary>
    public IReadOnlyList<FqdnSelector>? ToFqdns { get; init; }

    /// <summary><c>toNodes</c>.</summary>
    public IReadOnlyList<EndpointSelector>? ToNodes { get; init; }

    /// <summary><c>toPorts</c>.</summary>
    public IReadOnlyList<PortRule>? ToPorts { get; init; }

    /// <summary><c>icmps</c>.</summary>
    public IReadOnlyList<IcmpRule>? Icmps { get; init; }
}
