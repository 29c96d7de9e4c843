namespace CiliumL7.Policy.Api;

/// <summary>
/// One Cilium policy rule (<c>spec</c> or one item of <c>specs</c>): which
/// endpoints it selects and what they may receive and send.
/// Null lists mean "absent"; an empty list is present but empty.
/// </summary>
public sealed record Rule
{
    /// <summary>Selects the endpoints the rule applies to (exclusive with <see cref="NodeSelector"/>).</summary>
    public EndpointSelector? EndpointSelector { get; init; }

    /// <summary>Selects nodes (host policies).</summary>
    public EndpointSelector? NodeSelector { get; init; }

    /// <summary>Ingress allow rules.</summary>
    public IReadOnlyList<IngressRule>? Ingress { get; init; }

    /// <summary>Ingress deny rules (ports only, no L7).</summary>
    public IReadOnlyList<IngressRule>? IngressDeny { get; init; }

    /// <summary>Egress allow rules.</summary>
    public IReadOnlyList<EgressRule>? Egress { get; init; }

    /// <summary>Egress deny rules (ports only, no L7).</summary>
    public IReadOnlyList<EgressRule>? EgressDeny { get; init; }

    /// <summary>Rule labels (<c>labels</c>), e.g. for attribution.</summary>
    public IReadOnlyList<Identity.Label>? Labels { get; init; }

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary><c>enableDefaultDeny</c>.</summary>
    public DefaultDenyConfig? EnableDefaultDeny { get; init; }

    /// <summary><c>log</c>.</summary>
    public LogConfig? Log { get; init; }

    /// <summary>Where the rule sits in its resource: <c>spec</c> or <c>specs[N]</c>.</summary>
    public string Path { get; init; } = "spec";

    /// <summary>True when the rule makes ingress default-deny for the endpoints it selects.</summary>
    public bool EnforcesIngress => (Ingress is { Count: > 0 } || IngressDeny is { Count: > 0 }) && EnableDefaultDeny?.Ingress != false;

    /// <summary>True when the rule makes egress default-deny for the endpoints it selects.</summary>
    public bool EnforcesEgress => (Egress is { Count: > 0 } || EgressDeny is { Count: > 0 }) && EnableDefaultDeny?.Egress != false;
}
