using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;
using CiliumL7.Hubble.Metrics;
using CiliumL7.Hubble.Ring;
using CiliumL7.Proxy.Flows;
using PolicyDirection = CiliumL7.Policy.TrafficDirection;
using Endpoint = CiliumL7.Hubble.Api.Endpoint;
using ProxyFlowType = CiliumL7.Proxy.Flows.L7FlowType;

namespace CiliumL7.Agent.Observability;

/// <summary>
/// One proxy HTTP event in the ring in its compact form: the event plus the shared
/// endpoint and policy records resolved on the consumer thread. Built into the Hubble
/// <see cref="Flow"/> (<see cref="FlowBuilder"/>'s shape) only when a stream or the
/// exporter reads it; metrics are counted from the facts on publish.
/// </summary>
internal sealed class L7HttpFlow : DeferredFlow
{
    private readonly L7FlowEvent _event;
    private readonly Endpoint _client;
    private readonly Endpoint _server;
    private readonly CiliumL7.Hubble.Api.Policy? _policy;

    public L7HttpFlow(in L7FlowEvent e, Endpoint client, Endpoint server, CiliumL7.Hubble.Api.Policy? policy)
    {
        _event = e;
        _client = client;
        _server = server;
        _policy = policy;
    }

    public override DateTimeOffset Time => _event.Time;

    private Verdict Verdict => HubbleVerdict(_event.Verdict);

    /// <summary>The proxy's verdict as Hubble's; an unknown value is an error, never FORWARDED.</summary>
    public static Verdict HubbleVerdict(FlowVerdict verdict) => verdict switch
    {
        FlowVerdict.Forwarded => Verdict.Forwarded,
        FlowVerdict.Dropped => Verdict.Dropped,
        FlowVerdict.Error => Verdict.Error,
        FlowVerdict.Audit => Verdict.Audit,
        _ => Verdict.Error,
    };

    private TrafficDirection Direction => _event.Direction == PolicyDirection.Egress ? TrafficDirection.Egress : TrafficDirection.Ingress;

    /// <summary>Latency as the built flow carries it (100 ns resolution, as TimeSpan ticks).</summary>
    private TimeSpan Latency => TimeSpan.FromTicks(_event.LatencyNs / 100);

    public override void Count(FlowMetrics metrics)
    {
        var http = _event.Http;
        var type = _event.Type == ProxyFlowType.Request ? CiliumL7.Hubble.Api.L7FlowType.Request : CiliumL7.Hubble.Api.L7FlowType.Response;
        var latencyNs = type == CiliumL7.Hubble.Api.L7FlowType.Response ? (ulong)Math.Max(0, Latency.Ticks) * 100 : 0;
        metrics.ObserveHttp(type, Verdict, Direction, http.Method, http.Protocol, (uint)http.Code, latencyNs);
    }

    protected override Flow BuildFlow()
    {
        var e = _event;
        var request = e.Type == ProxyFlowType.Request;
        var client = request ? e.Source : e.Destination;
        var server = request ? e.Destination : e.Source;
        var clientPeer = new FlowPeer(client.Address.ToString(), client.Port, _client);
        var serverPeer = new FlowPeer(server.Address.ToString(), server.Port, _server);
        var verdict = Verdict;
        var http = e.Http;
        var flow = request
            ? FlowBuilder.HttpRequest(clientPeer, serverPeer, Direction, verdict, http.Method, http.Url, http.Protocol, e.Time)
            : FlowBuilder.HttpResponse(clientPeer, serverPeer, Direction, verdict, (uint)http.Code, http.Method, http.Url, Latency, http.Protocol, e.Time);
        flow.ProxyPort = e.ProxyPort;
        var headers = http.Headers;
        if (headers is not null)
        {
            var target = flow.L7.Http.Headers;
            for (var i = 0; i < headers.Count; i++)
            {
                target.Add(new HTTPHeader { Key = headers[i].Key, Value = headers[i].Value }); // values "HIDDEN" under --proxy-redact-header-values
            }
        }
        if (_policy is not null)
        {
            flow = FlowBuilder.AddPolicy(flow, _policy, denied: verdict is Verdict.Dropped or Verdict.Audit);
        }
        if (verdict == Verdict.Audit && e.AuditOutcome is { } outcome)
        {
            flow = FlowBuilder.AddAuditOutcome(flow, "would answer " + outcome);
        }
        return flow;
    }
}
