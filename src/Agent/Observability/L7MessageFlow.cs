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
/// One proxy DNS or Kafka event in the ring (HTTP has its own compact form,
/// <see cref="L7HttpFlow"/>): the event plus the shared endpoint and policy records,
/// built into the Hubble <see cref="Flow"/> when read or counted.
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

    protected override Flow BuildFlow()
    {
        var e = _event;
        var request = e.Type == ProxyFlowType.Request;
        var client = request ? e.Source : e.Destination;
        var server = request ? e.Destination : e.Source;
        var clientPeer = new FlowPeer(client.Address.ToString(), client.Port, _client);
        var serverPeer = new FlowPeer(server.Address.ToString(), server.Port, _server);
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
