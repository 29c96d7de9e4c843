using System.Net;

namespace CiliumL7.Proxy.Dns;

/// <summary>What the proxy takes from an upstream answer.</summary>
/// <param name="Id">The message id.</param>
/// <param name="Rcode">The response code (the header's 4 bits; extended rcodes are not combined).</param>
/// <param name="Truncated">The TC bit.</param>
/// <param name="Name">The question's name (text form).</param>
/// <param name="Type">The question's type.</param>
/// <param name="Class">The question's class.</param>
/// <param name="Addresses">A and AAAA records of the question's name, following its CNAME chain, each with its TTL.</param>
/// <param name="Cnames">The CNAME targets followed, in order.</param>
/// <param name="RecordTypes">The type of every answer record, in order.</param>
internal sealed record DnsAnswer(
    ushort Id,
    int Rcode,
    bool Truncated,
    string Name,
    ushort Type,
    ushort Class,
    IReadOnlyList<(IPAddress Address, uint TtlSeconds)> Addresses,
    IReadOnlyList<string> Cnames,
    IReadOnlyList<ushort> RecordTypes)
{
    /// <summary>The smallest TTL of the addresses (0 when none).</summary>
    public uint MinTtl
    {
        get
        {
            if (Addresses.Count == 0)
            {
                return 0;
            }
            var ttl = uint.MaxValue;
            foreach (var (_, t) in Addresses)
            {
                ttl = Math.Min(ttl, t);
            }
            return ttl;
        }
    }
}
