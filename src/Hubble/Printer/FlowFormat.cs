using System.Globalization;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Printer;

/// <summary>The pieces of hubble's flow printers: timestamps, host names, identities, type and verdict columns.</summary>
public static class FlowFormat
{
    /// <summary>Go's time.StampMilli in UTC: "Apr  5 21:03:15.919"; "N/A" when unset.</summary>
    public static string Timestamp(Timestamp? time)
    {
        if (time is null)
        {
            return "N/A";
        }
        var t = time.ToDateTime();
        return t.ToString("MMM", CultureInfo.InvariantCulture) + " "
            + t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + " "
            + t.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
    }

    /// <summary>"ns/pod:port", else a service, else the DNS names, else "ip:port" (IPv6 bracketed).</summary>
    public static (string Source, string Destination) HostNames(Flow flow)
    {
        if (flow.IP is null)
        {
            return (string.Empty, string.Empty);
        }
        var (sourcePort, destinationPort) = Ports(flow.L4);
        var source = Hostname(flow.IP.Source, sourcePort, flow.Source, flow.SourceService, flow.SourceNames);
        var destination = Hostname(flow.IP.Destination, destinationPort, flow.Destination, flow.DestinationService, flow.DestinationNames);
        return (source, destination);
    }

    /// <summary>"(ID:25698)" or, for reserved identities, "(world)".</summary>
    public static string Identity(uint identity)
        => FlowText.ReservedIdentity(identity) is { } name ? "(" + name + ")" : "(ID:" + identity.ToString(CultureInfo.InvariantCulture) + ")";

    /// <summary>
    /// The TYPE column: "http-request", "dns-response proxy", the drop reason
    /// ("Policy denied"), the trace point ("to-endpoint"), "policy-verdict:L3-L4 INGRESS".
    /// </summary>
    public static string FlowTypeName(Flow flow)
    {
        if (flow.L7 is { } l7)
        {
            var l7Type = ProtoEnumName<L7FlowType>.Of(l7.Type).ToLowerInvariant();
            return l7.RecordCase switch
            {
                Layer7.RecordOneofCase.Http => "http-" + l7Type,
                Layer7.RecordOneofCase.Dns => "dns-" + l7Type + " " + l7.Dns.ObservationSource,
                Layer7.RecordOneofCase.Kafka => "kafka-" + l7Type,
                _ => "l7-" + l7Type,
            };
        }
        var subType = flow.EventType?.SubType ?? 0;
        return (flow.EventType?.Type ?? 0) switch
        {
            CiliumEventTypes.Trace => FlowText.TraceObservationPoint(subType),
            CiliumEventTypes.Drop => FlowText.DropReason((uint)subType),
            CiliumEventTypes.PolicyVerdict => "policy-verdict:" + FlowText.PolicyMatch(flow.PolicyMatchType) + " " + ProtoEnumName<TrafficDirection>.Of(flow.TrafficDirection),
            _ => "UNKNOWN",
        };
    }

    /// <summary>The VERDICT column; policy-verdict events say ALLOWED / DENIED / AUDITED.</summary>
    public static string VerdictName(Flow flow)
    {
        var policyVerdict = flow.EventType?.Type == CiliumEventTypes.PolicyVerdict;
        return flow.Verdict switch
        {
            Verdict.Forwarded or Verdict.Redirected when policyVerdict => "ALLOWED",
            Verdict.Dropped or Verdict.Error when policyVerdict => "DENIED",
            Verdict.Audit when policyVerdict => "AUDITED",
            _ => ProtoEnumName<Verdict>.Of(flow.Verdict),
        };
    }

    /// <summary>The flow's summary (Cilium fills Flow.Summary; computed when empty).</summary>
    public static string Summary(Flow flow) => flow.Summary.Length > 0 ? flow.Summary : FlowBuilder.Summarize(flow);

    private static (string, string) Ports(Layer4? l4)
    {
        if (l4?.TCP is { } tcp) { return (Num(tcp.SourcePort), Num(tcp.DestinationPort)); }
        if (l4?.UDP is { } udp) { return (Num(udp.SourcePort), Num(udp.DestinationPort)); }
        if (l4?.SCTP is { } sctp) { return (Num(sctp.SourcePort), Num(sctp.DestinationPort)); }
        return (string.Empty, string.Empty);

        static string Num(uint port) => port.ToString(CultureInfo.InvariantCulture);
    }

    private static string Hostname(string ip, string port, Api.Endpoint? endpoint, Service? service, IList<string> names)
    {
        var host = ip;
        if (endpoint is { PodName.Length: > 0 })
        {
            host = endpoint.Namespace.Length > 0 ? endpoint.Namespace + "/" + endpoint.PodName : endpoint.PodName;
        }
        else if (service is { Name.Length: > 0 })
        {
            host = service.Namespace.Length > 0 ? service.Namespace + "/" + service.Name : service.Name;
        }
        else if (names.Count > 0)
        {
            host = string.Join(",", names);
        }
        if (port.Length == 0 || port == "0")
        {
            return host;
        }
        return host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]:" + port : host + ":" + port;
    }
}
