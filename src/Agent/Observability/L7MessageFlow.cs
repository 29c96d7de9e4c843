using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;
using CiliumL7.Hubble.Metrics;
using CiliumL7.Hubble.Ring;
using CiliumL7.Proxy;
using CiliumL7.Proxy.Flows;
using PolicyDirection = CiliumL7.Policy.TrafficDirection;
using Endpoint = CiliumL7.Hubble.Api.Endpoint;
using ProxyFlowType = CiliumL7.Proxy.Flows.L7FlowType;

namespace CiliumL7.Agent.Observability;

/// <summary>
/// A proxy DNS or Kafka event as a Hubble <see cref="Flow"/>: <see cref="Create"/> builds it (the
/// flow consumer publishes it at once, kept in the ring as bytes); an instance defers the build
/// to when it is read or counted. HTTP has its own compact form, <see cref="L7HttpFlow"/>.
/// </summary>
internal sealed class L7MessageFlow : DeferredFlow
{
    private readonly L7FlowEvent _event;
    private readonly Endpoint _client;
    private readonly Endpoint _server;
    private readonly CiliumL7.Hubble.Api.Policy? _policy;

    public L7MessageFlow(in L7FlowEvent e, Endpoint client, Endpoint server, CiliumL7.Hubble.Api.Policy? policy)
    {
        if (e.Protocol is not (ProxyType.Dns or ProxyType.Kafka))
        {
            throw new ArgumentException($"not a DNS or Kafka flow: {e.Protocol}", nameof(e));
        }
        _event = e;
        _client = client;
        _server = server;
        _policy = policy;
    }

    public override DateTimeOffset Time => _event.Time;

    public override void Count(FlowMetrics metrics) => metrics.Observe(Build());

    protected override Flow BuildFlow() => Create(_event, _client, _server, _policy);

    /// <summary>
    /// The Hubble flow of a DNS or Kafka event (time from the event; uuid and node name are the
    /// publisher's), built without a <see cref="L7MessageFlow"/> around it: what the flow consumer
    /// publishes (as bytes) for every DNS query and Kafka request.
    /// </summary>
    public static Flow Create(in L7FlowEvent e, Endpoint clientEndpoint, Endpoint serverEndpoint, CiliumL7.Hubble.Api.Policy? policy)
    {
        var request = e.Type == ProxyFlowType.Request;
        var client = request ? e.Source : e.Destination;
        var server = request ? e.Destination : e.Source;
        var clientPeer = new FlowPeer(client.Address.ToString(), client.Port, clientEndpoint);
        var serverPeer = new FlowPeer(server.Address.ToString(), server.Port, serverEndpoint);
        var verdict = L7HttpFlow.HubbleVerdict(e.Verdict);
        var direction = e.Direction == PolicyDirection.Egress ? TrafficDirection.Egress : TrafficDirection.Ingress;
        var latency = TimeSpan.FromTicks(e.LatencyNs / 100);
        var type = request ? CiliumL7.Hubble.Api.L7FlowType.Request : CiliumL7.Hubble.Api.L7FlowType.Response;
        Flow flow;
        if (e.Dns is { } dns)
        {
            var message = new DNS
            {
                Query = dns.Query,
                Rcode = (uint)dns.Rcode,
                Ttl = dns.Ttl,
                ObservationSource = DnsFlowInfo.ObservationSource,
            };
            message.Qtypes.AddRange(dns.Qtypes);
            message.Ips.AddRange(dns.Ips);
            message.Cnames.AddRange(dns.Cnames);
            message.Rrtypes.AddRange(dns.Rrtypes);
            var l7 = new Layer7 { Type = type, LatencyNs = request ? 0 : (ulong)Math.Max(0, latency.Ticks) * 100, Dns = message };
            flow = FlowBuilder.L7(clientPeer, serverPeer, direction, verdict, l7, udp: !dns.Tcp, e.Time);
        }
        else
        {
            var kafka = e.Kafka!;
            var message = new Kafka
            {
                ErrorCode = kafka.ErrorCode,
                ApiVersion = kafka.ApiVersion,
                ApiKey = kafka.ApiKey,
                CorrelationId = kafka.CorrelationId,
                Topic = kafka.Topic,
            };
            flow = FlowBuilder.Kafka(clientPeer, serverPeer, direction, verdict, type, message, request ? default : latency, e.Time);
        }
        flow.ProxyPort = e.ProxyPort;
        if (policy is not null)
        {
            flow = FlowBuilder.AddPolicy(flow, policy, denied: verdict is Verdict.Dropped or Verdict.Audit);
        }
        if (verdict == Verdict.Audit && e.AuditOutcome is { } outcome)
        {
            flow = FlowBuilder.AddAuditOutcome(flow, "would answer " + outcome);
        }
        return flow;
    }
}
