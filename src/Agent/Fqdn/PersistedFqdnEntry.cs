namespace CiliumL7.Agent.Fqdn;

/// <summary>One cache entry in <c>fqdn.json</c>; an empty <see cref="Name"/> is an expired address kept for open connections.</summary>
internal sealed record PersistedFqdnEntry
{
    public required uint EndpointId { get; init; }

    public required string Name { get; init; }

    public required string Ip { get; init; }

    public uint TtlSeconds { get; init; }

    public DateTimeOffset Expires { get; init; }

    public DateTimeOffset LearnedAt { get; init; }

    /// <summary>The address's identity was allocated for the cache (released when the address goes).</summary>
    public bool OwnsIdentity { get; init; }
}
