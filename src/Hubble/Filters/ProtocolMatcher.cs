using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Filters;

/// <summary>Hubble's protocol filter: an L4 (tcp, udp, sctp, icmp, icmpv4, icmpv6) or L7 (http, dns, kafka) name.</summary>
internal readonly record struct ProtocolMatcher(string Name)
{
    public static ProtocolMatcher Parse(string value)
    {
        var name = value.ToLowerInvariant();
        return name switch
        {
            "tcp" or "udp" or "sctp" or "icmp" or "icmpv4" or "icmpv6" or "http" or "dns" or "kafka" => new ProtocolMatcher(name),
            _ => throw new FormatException("unknown protocol (want tcp, udp, sctp, icmp, icmpv4, icmpv6, http, dns or kafka)"),
        };
    }

    public bool Matches(Flow flow) => Name switch
    {
        "tcp" => flow.L4?.TCP is not null,
        "udp" => flow.L4?.UDP is not null,
        "sctp" => flow.L4?.SCTP is not null,
        "icmp" => flow.L4?.ICMPv4 is not null || flow.L4?.ICMPv6 is not null,
        "icmpv4" => flow.L4?.ICMPv4 is not null,
        "icmpv6" => flow.L4?.ICMPv6 is not null,
        "http" => flow.L7?.Http is not null,
        "dns" => flow.L7?.Dns is not null,
        "kafka" => flow.L7?.Kafka is not null,
        _ => false,
    };
}
