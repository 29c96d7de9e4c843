namespace CiliumL7.Policy.Api;

/// <summary>One <c>icmps</c> item.</summary>
public sealed record IcmpRule
{
    /// <summary><c>fields</c> (≤40).</summary>
    public IReadOnlyList<IcmpField> Fields { get; init; } = [];
}
