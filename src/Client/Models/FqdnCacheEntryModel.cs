namespace CiliumL7.Client.Models;

/// <summary>One row of <c>fqdn cache list</c>: what a DNS answer taught an endpoint about a name.</summary>
public sealed record FqdnCacheEntryModel
{
    /// <summary>The endpoint that asked.</summary>
    public required long EndpointId { get; init; }

    /// <summary><c>lookup</c> (a live DNS answer) or <c>connection</c> (an expired address kept while a connection uses it).</summary>
    public required string Source { get; init; }

    /// <summary>The name, lower-case with the trailing dot (empty for <c>connection</c> rows).</summary>
    public required string Fqdn { get; init; }

    /// <summary>TTL of the last answer, in seconds.</summary>
    public long Ttl { get; init; }

    /// <summary>When the last of these addresses expires.</summary>
    public DateTimeOffset ExpirationTime { get; init; }

    /// <summary>The addresses.</summary>
    public required IReadOnlyList<string> Ips { get; init; }
}
