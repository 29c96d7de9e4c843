using System.Globalization;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;

namespace CiliumL7.Hubble.Metrics;

/// <summary>
/// Hubble's flow-derived metrics (the names users dashboard on), updated synchronously from
/// every published flow. HTTP requests are counted from RESPONSE flows, so a
/// denied request shows up as status 403.
/// </summary>
public sealed class FlowMetrics
{
    private static readonly string[] StatusText = BuildStatusText();

    private readonly CounterFamily _flowsProcessed;
    private readonly CounterFamily _drops;
    private readonly CounterFamily _httpRequests;
    private readonly HistogramFamily _httpDuration;
    private readonly CounterFamily _dnsQueries;
    private readonly CounterFamily _dnsResponses;
    private readonly CounterFamily _dnsResponseTypes;
    private readonly CounterFamily _policyVerdicts;
    private readonly CounterFamily _ciliumDrops;
    private HttpSeriesSet? _lastHttpRequest;
    private HttpSeriesSet? _lastHttpResponse;

    /// <summary>Creates the families in <paramref name="registry"/>.</summary>
    public FlowMetrics(MetricsRegistry registry)
    {
        _flowsProcessed = registry.Counter("hubble_flows_processed_total", "Total number of flows processed", "type", "subtype", "verdict");
        _drops = registry.Counter("hubble_drop_total", "Number of drops", "reason", "protocol");
        _httpRequests = registry.Counter("hubble_http_requests_total", "Count of HTTP requests", "method", "protocol", "status", "reporter");
        _httpDuration = registry.Histogram("hubble_http_request_duration_seconds", "Quantiles of HTTP request duration in seconds", null, "method", "reporter");
        _dnsQueries = registry.Counter("hubble_dns_queries_total", "Number of DNS queries observed", "qtypes");
        _dnsResponses = registry.Counter("hubble_dns_responses_total", "Number of DNS responses observed", "rcode", "qtypes");
        _dnsResponseTypes = registry.Counter("hubble_dns_response_types_total", "Number of DNS response types", "type", "qtypes");
        _policyVerdicts = registry.Counter("hubble_policy_verdicts_total", "Number of policy verdicts", "direction", "match", "action");
        _ciliumDrops = registry.Counter("cilium_drop_count_total", "Total dropped packets, tagged by drop reason and ingress/egress direction", "reason", "direction");
    }

    /// <summary>Counts one flow.</summary>
    public void Observe(Flow flow)
    {
        var eventType = flow.EventType?.Type ?? 0;
        var verdict = ProtoEnumName<Verdict>.Of(flow.Verdict);
        var (type, subtype) = TypeLabels(flow, eventType);
        _flowsProcessed.WithLabels(type, subtype, verdict).Inc();

        if (flow.Verdict == Verdict.Dropped)
        {
            _drops.WithLabels(ProtoEnumName<DropReason>.Of(flow.DropReasonDesc), Protocol(flow)).Inc();
        }
        if (eventType == CiliumEventTypes.Drop)
        {
            var code = flow.DropReasonDesc != DropReason.Unknown ? (uint)flow.DropReasonDesc : (uint)(flow.EventType?.SubType ?? 0);
            _ciliumDrops.WithLabels(FlowText.DropReason(code), ProtoEnumName<TrafficDirection>.Of(flow.TrafficDirection)).Inc();
        }
        if (eventType == CiliumEventTypes.PolicyVerdict)
        {
            _policyVerdicts.WithLabels(Lower(flow.TrafficDirection), PolicyMatchLabel(flow.PolicyMatchType), ProtoEnumName<Verdict>.LowerOf(flow.Verdict)).Inc();
        }

        var l7 = flow.L7;
        if (l7 is null)
        {
            return;
        }
        if (eventType == CiliumEventTypes.AccessLog && l7.Type == L7FlowType.Request)
        {
            _policyVerdicts.WithLabels(Lower(flow.TrafficDirection), L7MatchLabel(flow), ProtoEnumName<Verdict>.LowerOf(flow.Verdict)).Inc();
        }
        if (l7.Http is { } http && l7.Type == L7FlowType.Response)
        {
            var reporter = flow.TrafficDirection switch
            {
                TrafficDirection.Ingress => "server",
                TrafficDirection.Egress => "client",
                _ => "unknown",
            };
            var status = http.Code < StatusText.Length ? StatusText[http.Code] : http.Code.ToString(CultureInfo.InvariantCulture);
            _httpRequests.WithLabels(http.Method, http.Protocol, status, reporter).Inc();
            _httpDuration.WithLabels(http.Method, reporter).Observe(l7.LatencyNs / 1e9);
        }
        if (l7.Dns is { } dns)
        {
            var qtypes = FlowText.JoinTypes(dns.Qtypes);
            if (l7.Type == L7FlowType.Request)
            {
                _dnsQueries.WithLabels(qtypes).Inc();
            }
            else if (l7.Type == L7FlowType.Response)
            {
                _dnsResponses.WithLabels(FlowText.DnsRcode(dns.Rcode), qtypes).Inc();
                for (var i = 0; i < dns.Rrtypes.Count; i++) // indexed: no enumerator per flow
                {
                    _dnsResponseTypes.WithLabels(dns.Rrtypes[i], qtypes).Inc();
                }
            }
        }
    }

    /// <summary>
    /// Counts an L7 HTTP flow (event type 129) from its facts, exactly as <see cref="Observe"/>
    /// counts the flow <see cref="FlowBuilder"/> builds from them, without building it.
    /// </summary>
    public void ObserveHttp(L7FlowType type, Verdict verdict, TrafficDirection direction, string method, string protocol, uint code, ulong latencyNs)
    {
        // The series of the previous request / response flow, reused while the labels are the
        // same strings (methods and protocols come from Kestrel's interned constants): no hashing.
        ref var slot = ref type == L7FlowType.Request ? ref _lastHttpRequest : ref _lastHttpResponse;
        var children = Volatile.Read(ref slot);
        if (children is null || !children.Matches(verdict, direction, method, protocol, code))
        {
            children = HttpSeries(type, verdict, direction, method, protocol, code);
            Volatile.Write(ref slot, children);
        }
        children.Processed.Inc();
        children.Drops?.Inc();
        children.PolicyVerdicts?.Inc();
        children.Requests?.Inc();
        children.Duration?.Observe(latencyNs / 1e9);
    }

    private HttpSeriesSet HttpSeries(L7FlowType type, Verdict verdict, TrafficDirection direction, string method, string protocol, uint code)
    {
        var processed = _flowsProcessed.WithLabels("L7", "HTTP", ProtoEnumName<Verdict>.Of(verdict));
        var drops = verdict == Verdict.Dropped ? _drops.WithLabels(ProtoEnumName<DropReason>.Of(DropReason.Unknown), "HTTP") : null;
        Counter? policyVerdicts = null, requests = null;
        Histogram? duration = null;
        if (type == L7FlowType.Request)
        {
            policyVerdicts = _policyVerdicts.WithLabels(Lower(direction), "l7/http", ProtoEnumName<Verdict>.LowerOf(verdict));
        }
        else if (type == L7FlowType.Response)
        {
            var reporter = direction switch
            {
                TrafficDirection.Ingress => "server",
                TrafficDirection.Egress => "client",
                _ => "unknown",
            };
            var status = code < StatusText.Length ? StatusText[code] : code.ToString(CultureInfo.InvariantCulture);
            requests = _httpRequests.WithLabels(method, protocol, status, reporter);
            duration = _httpDuration.WithLabels(method, reporter);
        }
        return new HttpSeriesSet(verdict, direction, method, protocol, code, processed, drops, policyVerdicts, requests, duration);
    }

    /// <summary>Hubble's protocol label: the L7 protocol if any, else the L4 one.</summary>
    internal static string Protocol(Flow flow)
    {
        switch (flow.L7?.RecordCase)
        {
            case Layer7.RecordOneofCase.Http: return "HTTP";
            case Layer7.RecordOneofCase.Dns: return "DNS";
            case Layer7.RecordOneofCase.Kafka: return "Kafka";
        }
        return flow.L4?.ProtocolCase switch
        {
            Layer4.ProtocolOneofCase.TCP => "TCP",
            Layer4.ProtocolOneofCase.UDP => "UDP",
            Layer4.ProtocolOneofCase.ICMPv4 => "ICMPv4",
            Layer4.ProtocolOneofCase.ICMPv6 => "ICMPv6",
            Layer4.ProtocolOneofCase.SCTP => "SCTP",
            _ => "Unknown",
        };
    }

    private static (string Type, string Subtype) TypeLabels(Flow flow, int eventType) => eventType switch
    {
        CiliumEventTypes.AccessLog => ("L7", flow.L7?.RecordCase switch
        {
            Layer7.RecordOneofCase.Http => "HTTP",
            Layer7.RecordOneofCase.Dns => "DNS",
            Layer7.RecordOneofCase.Kafka => "Kafka",
            _ => string.Empty,
        }),
        CiliumEventTypes.Drop => ("Drop", string.Empty),
        CiliumEventTypes.Capture => ("Capture", string.Empty),
        CiliumEventTypes.Trace => ("Trace", FlowText.TraceObservationPoint(flow.EventType?.SubType ?? 0)),
        CiliumEventTypes.PolicyVerdict => ("PolicyVerdict", string.Empty),
        _ => ("Unknown", eventType.ToString(CultureInfo.InvariantCulture)),
    };

    private static string[] BuildStatusText()
    {
        var text = new string[600];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = i.ToString(CultureInfo.InvariantCulture);
        }
        return text;
    }

    private static string PolicyMatchLabel(uint matchType) => (PolicyMatchType)matchType switch
    {
        PolicyMatchType.None => "none",
        PolicyMatchType.L3Only => "l3-only",
        PolicyMatchType.L3L4 => "l3-l4",
        PolicyMatchType.L4Only => "l4-only",
        PolicyMatchType.All => "all",
        PolicyMatchType.L3Proto => "l3-proto",
        PolicyMatchType.ProtoOnly => "proto-only",
        _ => matchType.ToString(CultureInfo.InvariantCulture),
    };

    private static string L7MatchLabel(Flow flow) => flow.L7?.RecordCase switch
    {
        Layer7.RecordOneofCase.Http => "l7/http",
        Layer7.RecordOneofCase.Dns => "l7/dns",
        Layer7.RecordOneofCase.Kafka => "l7/kafka",
        _ => "l7/unknown",
    };

    private static string Lower(TrafficDirection direction) => direction switch
    {
        TrafficDirection.Ingress => "ingress",
        TrafficDirection.Egress => "egress",
        _ => "unknown",
    };
}
