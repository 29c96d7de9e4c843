namespace CiliumL7.Agent.Fqdn;

/// <summary>One address a name resolved to for one endpoint.</summary>
/// <param name="TtlSeconds">The TTL of the answer that last refreshed it.</param>
/// <param name="Expires">max(TTL, --tofqdns-min-ttl) after that answer.</param>
/// <param name="LearnedAt">When it was first learned.</param>
internal readonly record struct FqdnIpEntry(uint TtlSeconds, DateTimeOffset Expires, DateTimeOffset LearnedAt);
