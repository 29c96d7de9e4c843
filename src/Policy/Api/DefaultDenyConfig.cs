namespace CiliumL7.Policy.Api;

/// <summary><c>enableDefaultDeny</c>: whether a rule turns its direction default-deny (default true).</summary>
public sealed record DefaultDenyConfig
{
    /// <summary><c>ingress</c>; null = true.</summary>
    public bool? Ingress { get; init; }

    /// <summary><c>egress</c>; null = true.</summary>
    public bool? Egress { get; init; }
}
