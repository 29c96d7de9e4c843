namespace CiliumL7.Policy.Api;

/// <summary>One <c>headerMatches</c> item.</summary>
public sealed record HeaderMatch
{
    /// <summary><c>name</c>.</summary>
    public required string Name { get; init; }

    /// <summary><c>value</c> (exact); null = present.</summary>
    public string? Value { get; init; }

    /// <summary><c>mismatch</c>: empty (deny), LOG, ADD, DELETE or REPLACE.</summary>
    public string? Mismatch { get; init; }

    /// <summary><c>secret</c> as <c>namespace/name</c> (not supported by CiliumL7: rejected by validation).</summary>
    public string? Secret { get; init; }
}
