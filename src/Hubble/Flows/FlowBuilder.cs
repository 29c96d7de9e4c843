using CiliumL7.Hubble.Api;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Flows;

/// <summary>
/// Builds flows the way Cilium fills them, so every producer (proxy, datapath
/// event reader) emits the same shape and Hubble's printers and filters work.
/// </summary>
/// <remarks>
/// Conventions (as Hubble's own flows):
/// <list type="bullet">
/// <item>L7 (proxy): Type=L7, event_type {129, 0}; a REQUEST flow goes client→server
/// with is_reply=false; its RESPONSE goes server→client with is_reply=true, code and
/// latency_ns. A denied HTTP request is a REQUEST with verdict DROPPED followed by a
/// RESPONSE with code 403 (verdict FORWARDED), so metrics count the 403.</item>
/// <item>L3/L4 drop (datapath): Type=L3_L4, event_type {1, reason}, verdict DROPPED,
/// drop_reason_desc POLICY_DENIED (133, default deny) or POLICY_DENY (181, deny rule),
/// is_reply unset (printed as "&lt;&gt;"), summary "TCP Flags: SYN".</item>
/// <item>Policy verdict (first packet of a connection): Type=L3_L4, event_type {5, 0},
/// policy_match_type, verdict FORWARDED/DROPPED/AUDIT/REDIRECTED.</item>
/// <item>traffic_direction is the direction of the enforcing endpoint: INGRESS at the
/// destination (deathstar), EGRESS at the source. Name the deciding policy with
/// <see cref="AddPolicy"/> (ingress_allowed_by, egress_denied_by, ...).</item>
/// </list>
/// time, uuid and node_name are stamped on publish when left empty.
/// </remarks>
public static class FlowBuilder
{
    /// <summary>An endpoint record: ID, security identity, namespace, pod name, labels ("k8s:app=x").</summary>
    public static Endpoint NewEndpoint(uint id, uint identity, string @namespace, string podName, params IEnumerable<string> labels)
    {
        var endpoint = new Endpoint { ID = id, Identity = identity, Namespace = @namespace, PodName = podName };
        endpoint.Labels.AddRange(labels);
        return endpoint;
    }

    /// <summary>An endpoint stub for a reserved identity (world, host, ...): labels "reserved:&lt;name&gt;".</summary>
    public static Endpoint ReservedEndpoint(uint identity)
    {
        var endpoint = new Endpoint { Identity = identity };
        if (FlowText.ReservedIdentity(identity) is { } name)
        {
            endpoint.Labels.Add("reserved:" + name);
        }
        return endpoint;
    }

    /// <summary>A TCP layer-4 record.</summary>
    public static Layer4 Tcp(uint sourcePort, uint destinationPort, TCPFlags? flags = null)
        => new() { TCP = new TCP { SourcePort = sourcePort, DestinationPort = destinationPort, Flags = flags } };

    /// <summary>A UDP layer-4 record.</summary>
    public static Layer4 Udp(uint sourcePort, uint destinationPort)
        => new() { UDP = new UDP { SourcePort = sourcePort, DestinationPort = destinationPort } };

    /// <summary>An ICMPv4 layer-4 record.</summary>
    public static Layer4 Icmp4(uint type, uint code = 0) => new() { ICMPv4 = new ICMPv4 { Type = type, Code = code } };

    /// <summary>TCP flags of a connection's first packet.</summary>
    public static TCPFlags Syn => new() { SYN = true };

    /// <summary>Decodes the TCP header's flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80).</summary>
    public static TCPFlags TcpFlags(byte flags) => new()
    {
        FIN = (flags & 0x01) != 0,
        SYN = (flags & 0x02) != 0,
        RST = (flags & 0x04) != 0,
        PSH = (flags & 0x08) != 0,
        ACK = (flags & 0x10) != 0,
        URG = (flags & 0x20) != 0,
        ECE = (flags & 0x40) != 0,
        CWR = (flags & 0x80) != 0,
    };

    /// <summary>
    /// The layer-4 record for an IANA protocol number as the datapath reports it:
    /// 6 TCP (with flags), 17 UDP, 132 SCTP, 1 ICMPv4 / 58 ICMPv6 (type in
    /// <paramref name="destinationPort"/>); null for anything else.
    /// </summary>
    public static Layer4? L4(byte ipProtocol, uint sourcePort, uint destinationPort, byte tcpFlags = 0) => ipProtocol switch
    {
        6 => Tcp(sourcePort, destinationPort, TcpFlags(tcpFlags)),
        17 => Udp(sourcePort, destinationPort),
        132 => new Layer4 { SCTP = new SCTP { SourcePort = sourcePort, DestinationPort = destinationPort } },
        1 => Icmp4(destinationPort),
        58 => new Layer4 { ICMPv6 = new ICMPv6 { Type = destinationPort } },
        _ => null,
    };

    /// <summary>An L7 HTTP request flow (client → server).</summary>
    public static Flow HttpRequest(FlowPeer client, FlowPeer server, TrafficDirection direction, Verdict verdict,
        string method, string url, string protocol = "HTTP/1.1", DateTimeOffset? time = null)
    {
        var l7 = new Layer7 { Type = L7FlowType.Request, Http = new HTTP { Method = method, Url = url, Protocol = protocol } };
        return L7(client, server, direction, verdict, l7, udp: false, time);
    }

    /// <summary>An L7 HTTP response flow (server → client, is_reply) with status code and latency.</summary>
    public static Flow HttpResponse(FlowPeer client, FlowPeer server, TrafficDirection direction, Verdict verdict,
        uint code, string method, string url, TimeSpan latency, string protocol = "HTTP/1.1", DateTimeOffset? time = null)
    {
        var l7 = new Layer7
        {
            Type = L7FlowType.Response,
            LatencyNs = (ulong)Math.Max(0, latency.Ticks) * 100,
            Http = new HTTP { Code = code, Method = method, Url = url, Protocol = protocol },
        };
        return L7(client, server, direction, verdict, l7, udp: false, time);
    }

    /// <summary>An L7 DNS query flow (client → server, UDP unless <paramref name="tcp"/>).</summary>
    public static Flow DnsRequest(FlowPeer client, FlowPeer server, TrafficDirection direction, Verdict verdict,
        string query, IEnumerable<string> qtypes, bool tcp = false, DateTimeOffset? time = null)
    {
        var dns = new DNS { Query = query, ObservationSource = "proxy" };
        dns.Qtypes.AddRange(qtypes);
        return L7(client, server, direction, verdict, new Layer7 { Type = L7FlowType.Request, Dns = dns }, udp: !tcp, time);
    }

    /// <summary>An L7 DNS response flow (server → client); rcode 5 REFUSED for a denied query.</summary>
    public static Flow DnsResponse(FlowPeer client, FlowPeer server, TrafficDirection direction, Verdict verdict,
        string query, IEnumerable<string> qtypes, uint rcode, IEnumerable<string> ips, uint ttl, TimeSpan latency,
        bool tcp = false, DateTimeOffset? time = null)
    {
        var dns = new DNS { Query = query, Rcode = rcode, Ttl = ttl, ObservationSource = "proxy" };
        dns.Qtypes.AddRange(qtypes);
        dns.Ips.AddRange(ips);
        var l7 = new Layer7 { Type = L7FlowType.Response, LatencyNs = (ulong)Math.Max(0, latency.Ticks) * 100, Dns = dns };
        return L7(client, server, direction, verdict, l7, udp: !tcp, time);
    }

    /// <summary>An L7 Kafka flow (request: client → server; response: server → client).</summary>
    public static Flow Kafka(FlowPeer client, FlowPeer server, TrafficDirection direction, Verdict verdict,
        L7FlowType type, Kafka kafka, TimeSpan latency = default, DateTimeOffset? time = null)
    {
        var l7 = new Layer7 { Type = type, LatencyNs = (ulong)Math.Max(0, latency.Ticks) * 100, Kafka = kafka };
        return L7(client, server, direction, verdict, l7, udp: false, time);
    }

    /// <summary>
    /// Any L7 flow: fills addresses, ports, endpoints and is_reply from the record's
    /// type (a RESPONSE runs server → client) and computes the summary.
    /// </summary>
    public static Flow L7(FlowPeer client, FlowPeer server, TrafficDirection direction, Verdict verdict,
        Layer7 l7, bool udp = false, DateTimeOffset? time = null)
    {
        var reply = l7.Type == L7FlowType.Response;
        var (from, to) = reply ? (server, client) : (client, server);
        var flow = Base(from, to, udp ? Udp(from.Port, to.Port) : Tcp(from.Port, to.Port), time);
        flow.Type = FlowType.L7;
        flow.EventType = new CiliumEventType { Type = CiliumEventTypes.AccessLog };
        flow.Verdict = verdict;
        flow.TrafficDirection = direction;
        flow.IsReply = reply;
        flow.L7 = l7;
        flow.Summary = Summarize(flow);
        return flow;
    }

    /// <summary>
    /// An L3/L4 datapath drop. Without <paramref name="l4"/> it is a TCP SYN between the peers' ports.
    /// </summary>
    public static Flow Drop(FlowPeer source, FlowPeer destination, DropReason reason, TrafficDirection direction,
        Layer4? l4 = null, DateTimeOffset? time = null)
    {
        var flow = Base(source, destination, l4 ?? Tcp(source.Port, destination.Port, Syn), time);
        flow.Type = FlowType.L3L4;
        flow.EventType = new CiliumEventType { Type = CiliumEventTypes.Drop, SubType = (int)reason };
        flow.IsReply = null;
        flow.Verdict = Verdict.Dropped;
        flow.DropReason = (uint)reason;
        flow.DropReasonDesc = reason;
        flow.TrafficDirection = direction;
        flow.Summary = Summarize(flow);
        return flow;
    }

    /// <summary>
    /// A policy-verdict event for a new connection (allowed, denied or audited).
    /// Without <paramref name="l4"/> it is a TCP SYN between the peers' ports.
    /// </summary>
    public static Flow PolicyVerdict(FlowPeer source, FlowPeer destination, Verdict verdict, TrafficDirection direction,
        PolicyMatchType match, DropReason dropReason = DropReason.Unknown, Layer4? l4 = null, DateTimeOffset? time = null)
    {
        var flow = Base(source, destination, l4 ?? Tcp(source.Port, destination.Port, Syn), time);
        flow.Type = FlowType.L3L4;
        flow.EventType = new CiliumEventType { Type = CiliumEventTypes.PolicyVerdict };
        flow.Verdict = verdict;
        flow.TrafficDirection = direction;
        flow.PolicyMatchType = (uint)match;
        flow.IsReply = false;
        if (dropReason != DropReason.Unknown)
        {
            flow.DropReason = (uint)dropReason;
            flow.DropReasonDesc = dropReason;
        }
        flow.Summary = Summarize(flow);
        return flow;
    }

    /// <summary>A trace event (packet forwarded at an observation point, e.g. 0 to-endpoint).</summary>
    public static Flow Trace(FlowPeer source, FlowPeer destination, int observationPoint, bool? isReply, Layer4? l4 = null,
        TrafficDirection direction = TrafficDirection.Unknown, DateTimeOffset? time = null)
    {
        var flow = Base(source, destination, l4 ?? Tcp(source.Port, destination.Port), time);
        flow.Type = FlowType.L3L4;
        flow.EventType = new CiliumEventType { Type = CiliumEventTypes.Trace, SubType = observationPoint };
        flow.Verdict = Verdict.Forwarded;
        flow.TrafficDirection = direction;
        flow.IsReply = isReply;
        flow.Summary = Summarize(flow);
        return flow;
    }

    /// <summary>
    /// Names the policy that decided the flow: adds it to ingress/egress × allowed/denied by
    /// the flow's traffic direction.
    /// </summary>
    public static Flow AddPolicy(Flow flow, Api.Policy policy, bool denied)
    {
        var list = (flow.TrafficDirection, denied) switch
        {
            (TrafficDirection.Egress, false) => flow.EgressAllowedBy,
            (TrafficDirection.Egress, true) => flow.EgressDeniedBy,
            (_, false) => flow.IngressAllowedBy,
            (_, true) => flow.IngressDeniedBy,
        };
        list.Add(policy);
        return flow;
    }

    /// <summary>
    /// Says in the summary of an AUDIT flow what enforcing would have done, and by which
    /// policies (the flow's <c>*_denied_by</c>, so call it after <see cref="AddPolicy"/>):
    /// <c>…; AUDIT: would answer 403 Access denied by default/strict</c>.
    /// </summary>
    public static Flow AddAuditOutcome(Flow flow, string wouldBe)
    {
        var by = flow.TrafficDirection == TrafficDirection.Egress ? flow.EgressDeniedBy : flow.IngressDeniedBy;
        var names = new List<string>(by.Count);
        foreach (var p in by)
        {
            names.Add(p.Namespace.Length > 0 ? p.Namespace + "/" + p.Name : p.Name);
        }
        var summary = flow.Summary.Length > 0 ? flow.Summary : Summarize(flow);
        flow.Summary = summary + "; AUDIT: " + wouldBe + (names.Count > 0 ? " by " + string.Join(", ", names) : "");
        return flow;
    }

    /// <summary>A policy reference (kind "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "NetworkPolicy").</summary>
    public static Api.Policy Policy(string name, string @namespace, string kind = "CiliumNetworkPolicy", ulong revision = 0, params IEnumerable<string> labels)
    {
        var policy = new Api.Policy { Name = name, Namespace = @namespace, Kind = kind, Revision = revision };
        policy.Labels.AddRange(labels);
        return policy;
    }

    /// <summary>Computes the one-line summary Hubble prints for a flow.</summary>
    public static string Summarize(Flow flow)
    {
        if (flow.L7 is { } l7)
        {
            return l7.RecordCase switch
            {
                Layer7.RecordOneofCase.Http => FlowText.HttpSummary(l7.Type, l7.Http, l7.LatencyNs),
                Layer7.RecordOneofCase.Dns => FlowText.DnsSummary(l7.Type, l7.Dns),
                Layer7.RecordOneofCase.Kafka => FlowText.KafkaSummary(l7.Type, l7.Kafka),
                _ => string.Empty,
            };
        }
        return FlowText.L4Summary(flow.L4);
    }

    private static Flow Base(FlowPeer source, FlowPeer destination, Layer4 l4, DateTimeOffset? time)
    {
        var flow = new Flow
        {
            IP = new IP
            {
                Source = source.Ip,
                Destination = destination.Ip,
                IpVersion = source.Ip.Contains(':', StringComparison.Ordinal) ? IPVersion.Ipv6 : IPVersion.Ipv4,
            },
            L4 = l4,
            Source = source.Endpoint,
            Destination = destination.Endpoint,
        };
        if (time is { } t)
        {
            flow.Time = Timestamp.FromDateTimeOffset(t);
        }
        return flow;
    }
}
