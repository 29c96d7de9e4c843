using System.Net;

namespace CiliumL7.Policy.Generation;

/// <summary>
/// One Hubble flow reduced to what policy generation uses: who talked to whom,
/// on which protocol and port, and (for L7 flows) the request.
/// </summary>
public sealed record ObservedFlow
{
    /// <summary>When the flow was observed.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The Hubble verdict name (<c>FORWARDED</c>, <c>AUDIT</c>, ...).</summary>
    public required string Verdict { get; init; }

    /// <summary>The client (for a reply flow: still the side that opened the connection).</summary>
    public required ObservedPeer Source { get; init; }

    /// <summary>The server.</summary>
    public required ObservedPeer Destination { get; init; }

    /// <summary>IP protocol number (6 TCP, 17 UDP, 132 SCTP); 0 when the flow had no L4.</summary>
    public required byte Protocol { get; init; }

    /// <summary>The server's port.</summary>
    public required ushort Port { get; init; }

    /// <summary>The L7 record kind.</summary>
    public ObservedL7Kind L7 { get; init; }

    /// <summary>HTTP method, for <see cref="ObservedL7Kind.HttpRequest"/>.</summary>
    public string? HttpMethod { get; init; }

    /// <summary>HTTP path with query (origin form), for <see cref="ObservedL7Kind.HttpRequest"/>.</summary>
    public string? HttpPath { get; init; }

    /// <summary>The DNS query name without its trailing dot, lower case.</summary>
    public string? DnsQuery { get; init; }

    /// <summary>The addresses a DNS answer carried.</summary>
    public IReadOnlyList<IPAddress> DnsAddresses { get; init; } = [];

    /// <summary>1-based line in the input (for messages).</summary>
    public int Line { get; init; }
}
