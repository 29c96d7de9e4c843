namespace CiliumL7.Proxy.Flows;

/// <summary>Hubble's <c>DNS</c> message of a flow (one query or one answer).</summary>
/// <param name="Query">The question's name, lower-case with the trailing dot (<c>api.example.com.</c>).</param>
/// <param name="Qtypes">The question's types (<c>A</c>, <c>AAAA</c>, …).</param>
/// <param name="Rcode">The answer's rcode (0 on a query; 5 REFUSED for a policy deny).</param>
/// <param name="Ips">Addresses in the answer (A and AAAA along the CNAME chain).</param>
/// <param name="Ttl">The smallest TTL of those records (0 when none).</param>
/// <param name="Cnames">CNAME targets in the answer, in order.</param>
/// <param name="Rrtypes">The answer's record types.</param>
/// <param name="Tcp">True when the message went over TCP (the flow's L4 is TCP, else UDP).</param>
public sealed record DnsFlowInfo(
    string Query,
    IReadOnlyList<string> Qtypes,
    int Rcode,
    IReadOnlyList<string> Ips,
    uint Ttl,
    IReadOnlyList<string> Cnames,
    IReadOnlyList<string> Rrtypes,
    bool Tcp)
{
    /// <summary>Hubble's <c>observation_source</c> for everything the proxy saw.</summary>
    public const string ObservationSource = "proxy";
}
