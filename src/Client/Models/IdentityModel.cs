namespace CiliumL7.Client.Models;

/// <summary>A security identity: a numeric id for one set of security-relevant labels.</summary>
public sealed record IdentityModel
{
    /// <summary>Numeric identity (reserved 1..10, allocated from 256).</summary>
    public required long Id { get; init; }

    /// <summary>Labels as <c>source:key=value</c>, sorted.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>Number of local endpoints that carry this identity.</summary>
    public int ReferenceCount { get; init; }
}
