using System.Net;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Ipam;
using CiliumL7.Agent.L7;
using CiliumL7.Agent.Observability;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Server;
using CiliumL7.Proxy;
using CiliumL7.Proxy.Flows;
using PolicyDirection = CiliumL7.Policy.TrafficDirection;
using ProxyFlowType = CiliumL7.Proxy.Flows.L7FlowType;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class AgentFlowSinkTests : IDisposable
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);
    private static readonly PeerInfo Tiefighter = new(1001, 3, "default", "tiefighter", ["k8s:class=tiefighter", "k8s:org=empire"]);
    private static readonly PeerInfo Deathstar = new(2002, 7, "default", "deathstar", ["k8s:class=deathstar", "k8s:org=empire"]);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ciliuml7-flowsink-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Publish_DeniedRequestAndResponse_HubbleFlowsInOrderWithPolicyRevisionHeadersAndEndpoints()
    {
        var published = new Collector();
        using var sink = new AgentFlowSink();
        sink.Observer = new HubbleFlows(published, new EndpointManager(_dir, Ipv4Cidr.Parse("10.244.0.0/24")), new PolicyCookieNames(), () => 5);
        var client = new FlowEndpoint(IPAddress.Parse("10.244.0.3"), 44396, Tiefighter);
        var server = new FlowEndpoint(IPAddress.Parse("10.244.0.7"), 80, Deathstar);
        var url = "http://deathstar.default.svc.cluster.local/v1/exhaust-port";
        KeyValuePair<string, string>[] headers = [new("Host", "deathstar.default.svc.cluster.local"), new("X-Test", "HIDDEN")];

        for (var i = 0UL; i < 2; i++)
        {
            sink.Publish(new L7FlowEvent
            {
                Time = DateTimeOffset.UnixEpoch.AddSeconds(i), Type = ProxyFlowType.Request, Verdict = FlowVerdict.Dropped,
                Direction = PolicyDirection.Ingress, Source = client, Destination = server, ProxyPort = 15001, EndpointId = 7,
                PolicyName = "default/rule1", RequestId = i, Http = new HttpFlowInfo(0, "PUT", url, "HTTP/1.1", headers),
            });
            sink.Publish(new L7FlowEvent
            {
                Time = DateTimeOffset.UnixEpoch.AddSeconds(i), Type = ProxyFlowType.Response, Verdict = FlowVerdict.Forwarded,
                Direction = PolicyDirection.Ingress, Source = server, Destination = client, ProxyPort = 15001, EndpointId = 7,
                PolicyName = "default/rule1", RequestId = i, LatencyNs = 2_000_000, Http = new HttpFlowInfo(403, "PUT", url, "HTTP/1.1", []),
            });
        }

        Assert.True(sink.Flush(Bounded));
        Assert.Equal(4, published.Flows.Count);
        Assert.Equal(4, sink.Last(10).Count);
        var (request, response) = (published.Flows[0], published.Flows[1]);
        Assert.Equal((CiliumL7.Hubble.Api.L7FlowType.Request, Verdict.Dropped, false), (request.L7.Type, request.Verdict, request.IsReply));
        Assert.Equal("HTTP/1.1 PUT " + url, request.Summary);
        Assert.Equal(("10.244.0.3", "10.244.0.7", 44396u, 80u), (request.IP.Source, request.IP.Destination, request.L4.TCP.SourcePort, request.L4.TCP.DestinationPort));
        Assert.Equal(("tiefighter", 1001u, 3u), (request.Source.PodName, request.Source.Identity, request.Source.ID));
        Assert.Equal(["k8s:class=deathstar", "k8s:org=empire"], request.Destination.Labels);
        Assert.Equal(("rule1", "default", 5ul), (Assert.Single(request.IngressDeniedBy).Name, request.IngressDeniedBy[0].Namespace, request.IngressDeniedBy[0].Revision));
        Assert.Equal(["Host", "X-Test"], request.L7.Http.Headers.Select(h => h.Key));
        Assert.Equal("HIDDEN", request.L7.Http.Headers[1].Value);
        Assert.Equal(15001u, request.ProxyPort);

        Assert.Equal((CiliumL7.Hubble.Api.L7FlowType.Response, Verdict.Forwarded, true, 403u), (response.L7.Type, response.Verdict, response.IsReply, response.L7.Http.Code));
        Assert.Equal(("10.244.0.7", "deathstar", "tiefighter"), (response.IP.Source, response.Source.PodName, response.Destination.PodName));
        Assert.Equal(2_000_000ul, response.L7.LatencyNs);
        Assert.Empty(response.L7.Http.Headers);
        Assert.Equal("rule1", Assert.Single(response.IngressAllowedBy).Name);
        Assert.Equal(published.Flows[0].Source, published.Flows[2].Source);
        Assert.Equal(0, sink.Lost);
    }

    private sealed class Collector : IFlowPublisher
    {
        public List<Flow> Flows { get; } = [];

        public void Publish(Flow flow) => Flows.Add(flow);
    }
}
