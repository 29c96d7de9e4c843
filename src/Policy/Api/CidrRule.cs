namespace CiliumL7.Policy.Api;

/// <summary>One <c>fromCIDRSet</c>/<c>toCIDRSet</c> item: a prefix minus some sub-prefixes.</summary>
public sealed record CidrRule
{
    /// <summary><c>cidr</c>, e.g. <c>10.0.0.0/8</c>.</summary>
    public required string Cidr { get; init; }

    /// <summary><c>except</c>: prefixes inside <see cref="Cidr"/> that are not selected.</summary>
    public IReadOnlyList<string> Except { get; init; } = [];
}
