using System.Net;
using CiliumL7.Policy;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests;

public sealed class FlowEventTests
{
    private static readonly IPAddress ServerAddress = IPAddress.Parse("127.0.0.2");

    private static TestPeers Peers() => new TestPeers()
        .Add(IPAddress.Loopback, ProxyHarness.Client)
        .Add(ServerAddress, ProxyHarness.Server);

    [Fact]
    public async Task Request_AllowedAndDenied_RequestAndResponseFlowsWithEndpointsAndPolicy()
    {
        await using var backend = new RawRecordingBackend(address: ServerAddress);
        var policy = TestPolicy.Allow(new HttpRule("POST", "/v1/request-landing", null, null, "default/rule1"));
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, policy, peers: Peers());
        using var client = proxy.CreateClient();
        client.DefaultRequestHeaders.Host = "deathstar.default.svc.cluster.local";
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/request-landing", new StringContent("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsync("/v1/exhaust-port", new StringContent("x"))).StatusCode);

        var flows = await proxy.FlowsAsync(4);
        Assert.Equal(4, flows.Count);
        var (req1, resp1, req2, resp2) = (flows[0], flows[1], flows[2], flows[3]);

        Assert.Equal((L7FlowType.Request, FlowVerdict.Forwarded, 0), (req1.Type, req1.Verdict, req1.Http.Code));
        Assert.Equal((L7FlowType.Response, FlowVerdict.Forwarded, 200), (resp1.Type, resp1.Verdict, resp1.Http.Code));
        Assert.Equal((L7FlowType.Request, FlowVerdict.Dropped, 0), (req2.Type, req2.Verdict, req2.Http.Code));
        Assert.Equal((L7FlowType.Response, FlowVerdict.Forwarded, 403), (resp2.Type, resp2.Verdict, resp2.Http.Code));

        Assert.Equal("default/rule1", req1.PolicyName);
        Assert.Equal("default/test-policy", req2.PolicyName);
        Assert.Equal(req1.RequestId, resp1.RequestId);
        Assert.NotEqual(req1.RequestId, req2.RequestId);

        Assert.Equal("PUT", req2.Http.Method);
        Assert.Equal("http://deathstar.default.svc.cluster.local/v1/exhaust-port", req2.Http.Url);
        Assert.Equal("HTTP/1.1", req2.Http.Protocol);
        Assert.Contains(req2.Http.Headers, h => h.Key == "Host" && h.Value == "deathstar.default.svc.cluster.local");

        // request: client → server; response: server → client
        Assert.Equal(ProxyHarness.Client, req2.Source.Peer);
        Assert.Equal(IPAddress.Loopback, req2.Source.Address);
        Assert.Equal(ProxyHarness.Server, req2.Destination.Peer);
        Assert.Equal(ServerAddress, req2.Destination.Address);
        Assert.Equal((ushort)backend.EndPoint.Port, req2.Destination.Port);
        Assert.Equal(ProxyHarness.Server, resp2.Source.Peer);
        Assert.Equal(ProxyHarness.Client, resp2.Destination.Peer);
        Assert.True(resp2.IsReply);
        Assert.False(req2.IsReply);

        Assert.All(flows, f => Assert.Equal(TrafficDirection.Ingress, f.Direction));
        Assert.All(flows, f => Assert.Equal(proxy.Port, f.ProxyPort));
        Assert.All(flows, f => Assert.Equal(7u, f.EndpointId));
        Assert.True(resp1.LatencyNs > 0);
    }

    [Fact]
    public async Task Request_RedactHeaderValues_ValuesHidden()
    {
        await using var backend = new RawRecordingBackend(address: ServerAddress);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule()), new ProxyOptions { RedactHeaderValues = true }, Peers());
        using var client = proxy.CreateClient();
        client.DefaultRequestHeaders.Add("Authorization", "Bearer secret");
        await client.GetAsync("/a");
        var request = proxy.Flows.Snapshot()[0];
        Assert.Contains(request.Http.Headers, h => h.Key == "Authorization" && h.Value == "HIDDEN");
        Assert.DoesNotContain(request.Http.Headers, h => h.Value.Contains("secret", StringComparison.Ordinal));
        Assert.Equal("Bearer secret", backend.Requests[0].Header("Authorization"));
    }

    [Fact]
    public async Task Request_EmitFlowsOff_EnforcedWithoutFlowsButCounted()
    {
        await using var backend = new RawRecordingBackend(address: ServerAddress);
        var policy = TestPolicy.Allow(new HttpRule("POST", "/v1/request-landing", null, null, "default/rule1"));
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, policy, new ProxyOptions { EmitFlows = false }, Peers());
        using var client = proxy.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/request-landing", new StringContent("x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsync("/v1/exhaust-port", new StringContent("x"))).StatusCode);

        Assert.Empty(proxy.Flows.Snapshot());
        Assert.Single(backend.Requests);
        var counters = proxy.Proxy.Counters.Snapshot();
        Assert.Equal((2L, 1L, 1L), (counters.Received, counters.Forwarded, counters.Denied));
    }

    [Fact]
    public async Task Request_Malformed_ErrorFlowAnd400()
    {
        await using var backend = new RawRecordingBackend(address: ServerAddress);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule()), peers: Peers());
        var raw = await RawHttp.SendAsync(proxy.EndPoint, "GET /a/../b HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal([400], RawHttp.StatusCodes(raw));
        var flows = await proxy.FlowsAsync(2);
        Assert.Equal([FlowVerdict.Error, FlowVerdict.Forwarded], flows.Select(f => f.Verdict));
        Assert.Equal(400, flows[1].Http.Code);
    }

    [Theory]
    [InlineData(TrafficDirection.Ingress, false)]
    [InlineData(TrafficDirection.Egress, true)]
    public async Task Request_Direction_RemoteIdentityIsClientOnIngressServerOnEgress(TrafficDirection direction, bool allowed)
    {
        await using var backend = new RawRecordingBackend(address: ServerAddress);
        // Rules exist only for the server's identity as the remote peer.
        var policy = new TestPolicy((_, identity) => identity == ProxyHarness.Server.Identity ? HttpRuleSet.AllowAll : null);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, policy, peers: Peers(), direction: direction);
        using var client = proxy.CreateClient();
        using var response = await client.GetAsync("/a");
        Assert.Equal(allowed ? HttpStatusCode.OK : HttpStatusCode.Forbidden, response.StatusCode);
        Assert.All(proxy.Flows.Snapshot(), f => Assert.Equal(direction, f.Direction));
    }

    [Fact]
    public async Task Request_UnknownPeer_ResolvedAsWorld()
    {
        await using var backend = new RawRecordingBackend(address: ServerAddress);
        var policy = new TestPolicy((_, identity) => identity == PeerInfo.World.Identity ? HttpRuleSet.AllowAll : null);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, policy, peers: new TestPeers());
        using var client = proxy.CreateClient();
        using var response = await client.GetAsync("/a");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2u, proxy.Flows.Snapshot()[0].Source.Peer.Identity);
    }

    [Fact]
    public void InMemoryFlowSink_OverCapacity_KeepsLastN()
    {
        var sink = new InMemoryFlowSink(3);
        var endpoint = new FlowEndpoint(IPAddress.Loopback, 1, PeerInfo.World);
        for (var i = 0; i < 5; i++)
        {
            sink.Publish(new L7FlowEvent
            {
                Time = DateTimeOffset.UnixEpoch,
                Type = L7FlowType.Request,
                Verdict = FlowVerdict.Forwarded,
                Direction = TrafficDirection.Ingress,
                Source = endpoint,
                Destination = endpoint,
                ProxyPort = 1,
                EndpointId = 1,
                RequestId = (ulong)i,
                Http = new HttpFlowInfo(0, "GET", "http://a/", "HTTP/1.1", []),
            });
        }
        Assert.Equal(5, sink.Count);
        Assert.Equal([2ul, 3ul, 4ul], sink.Snapshot().Select(f => f.RequestId));
    }
}
