using System.Globalization;
using System.Text;
using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Flows;

/// <summary>
/// The human strings Cilium and Hubble print for numeric flow facts: drop
/// reasons, observation points, policy match types, reserved identities,
/// TCP flags and flow summaries.
/// </summary>
public static class FlowText
{
    private static readonly string[] ReservedIdentities =
    [
        "unknown", "host", "world", "unmanaged", "health", "init", "remote-node", "kube-apiserver", "ingress", "world-ipv4", "world-ipv6",
    ];

    private static readonly string[] TracePoints =
    [
        "to-endpoint", "to-proxy", "to-host", "to-stack", "to-overlay", "from-endpoint", "from-proxy", "from-host", "from-stack",
        "from-overlay", "from-network", "to-network", "to-crypto", "from-crypto",
    ];

    /// <summary>Cilium's text for a datapath drop reason code ("Policy denied" for 133).</summary>
    public static string DropReason(uint code) => code switch
    {
        130 => "Invalid source mac",
        131 => "Invalid destination mac",
        132 => "Invalid source ip",
        133 => "Policy denied",
        134 => "Invalid packet",
        135 => "CT: Truncated or invalid header",
        136 => "CT: Missing TCP ACK flag",
        137 => "CT: Unknown L4 protocol",
        138 => "CT: Can't create entry from packet",
        139 => "Unsupported L3 protocol",
        140 => "Missed tail call",
        141 => "Error writing to packet",
        142 => "Unknown L4 protocol",
        143 => "Unknown ICMPv4 code",
        144 => "Unknown ICMPv4 type",
        145 => "Unknown ICMPv6 code",
        146 => "Unknown ICMPv6 type",
        151 => "Stale or unroutable IP",
        152 => "No matching local container found",
        155 => "CT: Map insertion failed",
        157 => "IP fragmentation not supported",
        158 => "Service backend not found",
        161 => "Failed to insert into proxymap",
        163 => "Unknown connection tracking state",
        165 => "No configuration available to perform policy decision",
        169 => "FIB lookup failed",
        171 => "Invalid identity",
        172 => "Unknown sender",
        178 => "Socket lookup failed",
        179 => "Socket assign failed",
        180 => "Proxy redirection not supported for protocol",
        181 => "Policy denied by denylist",
        189 => "Authentication required",
        196 => "TTL exceeded",
        _ => code.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Cilium's name for a trace observation point sub-type ("to-endpoint", "from-proxy", ...).</summary>
    public static string TraceObservationPoint(int subType)
        => subType >= 0 && subType < TracePoints.Length ? TracePoints[subType] : subType.ToString(CultureInfo.InvariantCulture);

    /// <summary>Maps a trace observation point name back to its sub-type.</summary>
    public static bool TryParseTraceObservationPoint(string name, out int subType)
    {
        subType = Array.IndexOf(TracePoints, name);
        return subType >= 0;
    }

    /// <summary>Cilium's name for a policy match type ("L3-L4", "L4-Only", "all", ...).</summary>
    public static string PolicyMatch(uint matchType) => (PolicyMatchType)matchType switch
    {
        PolicyMatchType.None => "none",
        PolicyMatchType.L3Only => "L3-Only",
        PolicyMatchType.L3L4 => "L3-L4",
        PolicyMatchType.L4Only => "L4-Only",
        PolicyMatchType.All => "all",
        PolicyMatchType.L3Proto => "L3-Proto",
        PolicyMatchType.ProtoOnly => "Proto-Only",
        _ => matchType.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The name of a reserved identity (1..10), or null for an allocated one.</summary>
    public static string? ReservedIdentity(uint identity)
        => identity >= 1 && identity < ReservedIdentities.Length ? ReservedIdentities[identity] : null;

    /// <summary>Parses an identity given as a number or a reserved name ("world", "reserved:host").</summary>
    public static bool TryParseIdentity(string text, out uint identity)
    {
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out identity))
        {
            return true;
        }
        var name = text.StartsWith("reserved:", StringComparison.Ordinal) ? text["reserved:".Length..] : text;
        var index = Array.IndexOf(ReservedIdentities, name);
        identity = index < 0 ? 0 : (uint)index;
        return index >= 0;
    }

    /// <summary>TCP flags the way Hubble lists them: "SYN", "SYN, ACK", "ACK, FIN".</summary>
    public static string TcpFlags(TCPFlags? flags)
    {
        if (flags is null)
        {
            return string.Empty;
        }
        var sb = new StringBuilder();
        Append(sb, flags.SYN, "SYN");
        Append(sb, flags.ACK, "ACK");
        Append(sb, flags.RST, "RST");
        Append(sb, flags.FIN, "FIN");
        Append(sb, flags.PSH, "PSH");
        Append(sb, flags.URG, "URG");
        Append(sb, flags.ECE, "ECE");
        Append(sb, flags.CWR, "CWR");
        Append(sb, flags.NS, "NS");
        return sb.ToString();

        static void Append(StringBuilder sb, bool set, string name)
        {
            if (set)
            {
                if (sb.Length > 0)
                {
                    sb.Append(", ");
                }
                sb.Append(name);
            }
        }
    }

    /// <summary>The L3/L4 summary Hubble shows: "TCP Flags: SYN", "UDP", "ICMPv4 EchoRequest".</summary>
    public static string L4Summary(Layer4? l4)
    {
        if (l4 is null)
        {
            return string.Empty;
        }
        return l4.ProtocolCase switch
        {
            Layer4.ProtocolOneofCase.TCP => "TCP Flags: " + TcpFlags(l4.TCP.Flags),
            Layer4.ProtocolOneofCase.UDP => "UDP",
            Layer4.ProtocolOneofCase.SCTP => "SCTP",
            Layer4.ProtocolOneofCase.ICMPv4 => "ICMPv4 " + Icmp4Type(l4.ICMPv4.Type),
            Layer4.ProtocolOneofCase.ICMPv6 => "ICMPv6 " + Icmp6Type(l4.ICMPv6.Type),
            _ => string.Empty,
        };
    }

    /// <summary>
    /// The L7 HTTP summary Cilium writes: request "HTTP/1.1 PUT http://host/path";
    /// response "HTTP/1.1 403 0ms (PUT http://host/path)".
    /// </summary>
    public static string HttpSummary(L7FlowType type, HTTP http, ulong latencyNs)
    {
        var request = http.Method + " " + http.Url;
        return type == L7FlowType.Response
            ? string.Create(CultureInfo.InvariantCulture, $"{http.Protocol} {http.Code} {latencyNs / 1_000_000}ms ({request})")
            : http.Protocol + " " + request;
    }

    /// <summary>
    /// The question types joined with commas ("A", "A,AAAA"), as Hubble labels and prints them.
    /// One type (the usual case) is returned as it is: no string built, and no enumerator (a
    /// RepeatedField's is allocated per use) on the flow consumer's path.
    /// </summary>
    public static string JoinTypes(Google.Protobuf.Collections.RepeatedField<string> types) => types.Count switch
    {
        0 => "",
        1 => types[0],
        _ => string.Join(",", types),
    };

    /// <summary>
    /// The L7 DNS summary Hubble writes: "DNS Query foo.bar. A" / "DNS Answer \"1.2.3.4\" CNAMEs: \"x.bar.\" TTL: 30 (Proxy foo.bar. A)";
    /// an error answer: "DNS Answer RCode: Query Refused TTL: 0 (Proxy foo.bar. A)".
    /// </summary>
    public static string DnsSummary(L7FlowType type, DNS dns)
    {
        var qtypes = JoinTypes(dns.Qtypes);
        if (type != L7FlowType.Response)
        {
            return $"DNS Query {dns.Query} {qtypes}";
        }
        string answer;
        if (dns.Rcode != 0)
        {
            answer = "RCode: " + DnsRcode(dns.Rcode);
        }
        else
        {
            var parts = new List<string>(2);
            if (dns.Ips.Count > 0)
            {
                parts.Add("\"" + string.Join(",", dns.Ips) + "\"");
            }
            if (dns.Cnames.Count > 0)
            {
                parts.Add("CNAMEs: \"" + string.Join(",", dns.Cnames) + "\"");
            }
            answer = string.Join(" ", parts);
        }
        var source = dns.ObservationSource == "proxy" ? "Proxy" : "Query";
        return string.Create(CultureInfo.InvariantCulture, $"DNS Answer {answer} TTL: {dns.Ttl} ({source} {dns.Query} {qtypes})");
    }

    /// <summary>The L7 Kafka summary: "Kafka request produce correlation id 7 topic 'deathstar-plans'".</summary>
    public static string KafkaSummary(L7FlowType type, Kafka kafka)
        => type == L7FlowType.Response
            ? string.Create(CultureInfo.InvariantCulture, $"Kafka response {kafka.ApiKey} correlation id {kafka.CorrelationId} topic '{kafka.Topic}' return code {kafka.ErrorCode}")
            : string.Create(CultureInfo.InvariantCulture, $"Kafka request {kafka.ApiKey} correlation id {kafka.CorrelationId} topic '{kafka.Topic}'");

    /// <summary>The rcode names Hubble's DNS metrics use ("No Error", "Query Refused", ...).</summary>
    public static string DnsRcode(uint rcode) => rcode switch
    {
        0 => "No Error",
        1 => "Format Error",
        2 => "Server Failure",
        3 => "Non-Existent Domain",
        4 => "Not Implemented",
        5 => "Query Refused",
        _ => rcode.ToString(CultureInfo.InvariantCulture),
    };

    private static string Icmp4Type(uint type) => type switch
    {
        0 => "EchoReply",
        3 => "DestinationUnreachable",
        5 => "Redirect",
        8 => "EchoRequest",
        11 => "TimeExceeded",
        _ => type.ToString(CultureInfo.InvariantCulture),
    };

    private static string Icmp6Type(uint type) => type switch
    {
        1 => "DestinationUnreachable",
        3 => "TimeExceeded",
        128 => "EchoRequest",
        129 => "EchoReply",
        135 => "NeighborSolicitation",
        136 => "NeighborAdvertisement",
        _ => type.ToString(CultureInfo.InvariantCulture),
    };
}
