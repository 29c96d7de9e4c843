using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Api.Peers;
using CiliumL7.Hubble.Flows;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CiliumL7.Hubble.Tests;

/// <summary>The Observer API end to end: real server, real gRPC clients generated from our protos.</summary>
public sealed class ObserverGrpcTests
{
    [Fact]
    public async Task GetFlows_NumberOverUnixSocket_ReturnsNewestFlowsOldestFirst()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());

        var responses = await hubble.UnixClient().GetFlowsAsync(new GetFlowsRequest { Number = 2 });

        Assert.Equal(2, responses.Count);
        Assert.Equal(["HTTP/1.1 PUT " + DeathStarFlows.Url, "HTTP/1.1 403 1ms (PUT " + DeathStarFlows.Url + ")"], responses.Summaries());
        Assert.All(responses, r => Assert.Equal("node-test", r.NodeName));
        Assert.All(responses, r => Assert.Equal(r.Flow.Time, r.Time));
    }

    [Fact]
    public async Task GetFlows_FirstOverTcp_ReturnsOldestFlows()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());

        var responses = await hubble.TcpClient().GetFlowsAsync(new GetFlowsRequest { Number = 2, First = true });

        var flows = responses.Flows();
        Assert.Equal(2, flows.Count);
        Assert.Equal(DropReason.PolicyDenied, flows[0].DropReasonDesc);
        Assert.Equal(CiliumEventTypes.PolicyVerdict, flows[1].EventType.Type);
    }

    [Fact]
    public async Task GetFlows_VerdictDroppedWhitelist_ReturnsBothDrops()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());
        var request = new GetFlowsRequest();
        request.Whitelist.Add(new FlowFilter { Verdict = { Verdict.Dropped } });

        var flows = (await hubble.UnixClient().GetFlowsAsync(request)).Flows();

        Assert.Equal(2, flows.Count);
        var drop = flows[0];
        Assert.Equal(FlowType.L3L4, drop.Type);
        Assert.Equal(DropReason.PolicyDenied, drop.DropReasonDesc);
        Assert.Equal(31337u, drop.Source.Identity);
        Assert.Equal(6822u, drop.Destination.Identity);
        var l7 = flows[1];
        Assert.Equal(FlowType.L7, l7.Type);
        Assert.Equal("PUT", l7.L7.Http.Method);
        Assert.Equal("rule1", Assert.Single(l7.IngressDeniedBy).Name);
    }

    [Fact]
    public async Task GetFlows_FieldsInOneFilter_AreAnded()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());
        var request = new GetFlowsRequest();
        // DROPPED AND http → only the L7 request, not the L3/L4 drop.
        request.Whitelist.Add(new FlowFilter { Verdict = { Verdict.Dropped }, Protocol = { "http" } });

        var flows = (await hubble.UnixClient().GetFlowsAsync(request)).Flows();

        var flow = Assert.Single(flows);
        Assert.Equal(L7FlowType.Request, flow.L7.Type);
        Assert.Equal(Verdict.Dropped, flow.Verdict);
    }

    [Fact]
    public async Task GetFlows_FiltersInWhitelist_AreOred()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());
        var request = new GetFlowsRequest();
        request.Whitelist.Add(new FlowFilter { HttpStatusCode = { "403" } });
        request.Whitelist.Add(new FlowFilter { SourcePod = { "default/xwing" } });

        var flows = (await hubble.UnixClient().GetFlowsAsync(request)).Flows();

        Assert.Equal(2, flows.Count);
        Assert.Equal("xwing", flows[0].Source.PodName);
        Assert.Equal(403u, flows[1].L7.Http.Code);
    }

    [Fact]
    public async Task GetFlows_Blacklist_IsSubtractedFromWhitelist()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());
        var request = new GetFlowsRequest();
        request.Whitelist.Add(new FlowFilter { Protocol = { "http" } });
        request.Blacklist.Add(new FlowFilter { HttpMethod = { "POST" } });

        var flows = (await hubble.UnixClient().GetFlowsAsync(request)).Flows();

        Assert.Equal(2, flows.Count);
        Assert.All(flows, f => Assert.Equal("PUT", f.L7.Http.Method));
    }

    [Fact]
    public async Task GetFlows_OnlyBlacklist_ReturnsEverythingElse()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());
        var request = new GetFlowsRequest();
        request.Blacklist.Add(new FlowFilter { SourceLabel = { "org=empire" } });

        var flows = (await hubble.UnixClient().GetFlowsAsync(request)).Flows();

        // Only the xwing drop has a non-empire source (responses come from the deathstar: empire too).
        var flow = Assert.Single(flows);
        Assert.Equal("xwing", flow.Source.PodName);
    }

    [Fact]
    public async Task GetFlows_SinceUntil_ReturnsFlowsInsideTheWindow()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());
        var request = new GetFlowsRequest
        {
            Since = Timestamp.FromDateTimeOffset(DeathStarFlows.T0.AddMilliseconds(15)),
            Until = Timestamp.FromDateTimeOffset(DeathStarFlows.T0.AddMilliseconds(40)),
        };

        var flows = (await hubble.UnixClient().GetFlowsAsync(request)).Flows();

        Assert.Equal(["POST", "POST", "PUT"], flows.Select(f => f.L7.Http.Method));
        Assert.Equal(L7FlowType.Request, flows[0].L7.Type);
    }

    [Fact]
    public async Task GetFlows_Follow_ReceivesFlowPublishedAfterSubscribing()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.Server.Publish(DeathStarFlows.XwingDrop());
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        var request = new GetFlowsRequest { Number = 1, Follow = true };
        request.Whitelist.Add(new FlowFilter { Verdict = { Verdict.Dropped } });
        using var call = hubble.UnixClient().GetFlows(request, cancellationToken: cts.Token);

        // The backlog flow proves the server has taken its position in the ring.
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal("xwing", call.ResponseStream.Current.Flow.Source.PodName);

        hubble.Server.Publish(DeathStarFlows.LandingRequest(100)); // FORWARDED: filtered out
        hubble.Server.Publish(DeathStarFlows.ExhaustPortRequest(200));

        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        var followed = call.ResponseStream.Current.Flow;
        Assert.Equal("PUT", followed.L7.Http.Method);
        Assert.Equal(Verdict.Dropped, followed.Verdict);
    }

    [Fact]
    public async Task StopAsync_WithActiveFollower_EndsTheStreamCleanly()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.Server.Publish(DeathStarFlows.XwingDrop());
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        using var call = hubble.UnixClient().GetFlows(new GetFlowsRequest { Number = 1, Follow = true }, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));

        await hubble.Server.StopAsync(cts.Token);

        Assert.False(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.False(File.Exists(hubble.SocketPath));
    }

    [Fact]
    public async Task StartAsync_TcpPortTaken_FailsNamingTheAddress()
    {
        await using var first = await TestHubble.StartAsync();
        var dir = Path.Combine(Path.GetTempPath(), "cl7-hubble-" + Guid.NewGuid().ToString("N")[..10]);
        await using var second = new Server.HubbleServer(new Server.HubbleServerOptions
        {
            UnixSocketPath = Server.HubbleServerOptions.SocketPathIn(dir),
            TcpEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, first.Server.TcpPort!.Value),
        });

        var e = await Assert.ThrowsAsync<IOException>(() => second.StartAsync());

        Assert.Contains("127.0.0.1:" + first.Server.TcpPort, e.Message);
        Assert.False(File.Exists(Server.HubbleServerOptions.SocketPathIn(dir)));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task GetFlows_FollowWithUntilInThePast_EndsAfterTheBacklog()
    {
        await using var hubble = await TestHubble.StartAsync();
        // Nothing newer than `until` arrives, so only the clock can end the stream.
        hubble.PublishAll(DeathStarFlows.All().Take(2));
        var request = new GetFlowsRequest { Follow = true, Since = Timestamp.FromDateTimeOffset(DeathStarFlows.T0), Until = Timestamp.FromDateTimeOffset(DeathStarFlows.T0.AddMilliseconds(10)) };

        var responses = await hubble.UnixClient().GetFlowsAsync(request);

        Assert.Equal(2, responses.Flows().Count);
    }

    [Fact]
    public async Task GetFlows_FollowWithFirst_IsInvalidArgument()
    {
        await using var hubble = await TestHubble.StartAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => hubble.UnixClient().GetFlowsAsync(new GetFlowsRequest { First = true, Follow = true }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task GetFlows_BadRegexInFilter_IsInvalidArgumentNamingTheField()
    {
        await using var hubble = await TestHubble.StartAsync();
        var request = new GetFlowsRequest();
        request.Whitelist.Add(new FlowFilter { HttpPath = { "/v1/(" } });

        var e = await Assert.ThrowsAsync<RpcException>(() => hubble.UnixClient().GetFlowsAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("whitelist[0].http_path[0]", e.Status.Detail);
    }

    [Fact]
    public async Task ServerStatus_AfterPublishing_ReportsRingCounters()
    {
        await using var hubble = await TestHubble.StartAsync(ringCapacity: 7);
        for (var i = 0; i < 3; i++)
        {
            hubble.PublishAll(DeathStarFlows.All());
        }

        var status = await hubble.TcpClient().ServerStatusAsync(new ServerStatusRequest());

        Assert.Equal(7ul, status.NumFlows);
        Assert.Equal(7ul, status.MaxFlows);
        Assert.Equal(18ul, status.SeenFlows);
        Assert.Equal(1u, status.NumConnectedNodes);
        Assert.True(status.UptimeNs > 0);
        Assert.StartsWith("ciliuml7-", status.Version);
    }

    [Fact]
    public async Task ServerStatus_FlowsRate_CountsFlowsOfTheLastMinute()
    {
        await using var hubble = await TestHubble.StartAsync();
        // Flows stamped now (no time given) count; the tutorial's fixed-time flows are old.
        hubble.PublishAll(DeathStarFlows.All());
        for (var i = 0; i < 30; i++)
        {
            hubble.Server.Publish(FlowBuilder.Drop(DeathStarFlows.XwingPeer, DeathStarFlows.DeathstarPeer, DropReason.PolicyDenied, TrafficDirection.Ingress));
        }

        var status = await hubble.UnixClient().ServerStatusAsync(new ServerStatusRequest());

        Assert.Equal(30 / 60.0, status.FlowsRate, 6);
    }

    [Fact]
    public async Task GetNodesAndNamespaces_ReportThisNodeAndSeenNamespaces()
    {
        await using var hubble = await TestHubble.StartAsync();
        var other = FlowBuilder.NewEndpoint(9, 4000, "kube-system", "coredns-1");
        hubble.Server.Publish(FlowBuilder.Drop(DeathStarFlows.XwingPeer, new FlowPeer("10.244.0.53", 53, other), DropReason.PolicyDeny, TrafficDirection.Egress));
        hubble.Server.Publish(FlowBuilder.Drop(DeathStarFlows.XwingPeer, DeathStarFlows.DeathstarPeer, DropReason.PolicyDenied, TrafficDirection.Ingress));
        var client = hubble.UnixClient();

        var nodes = await client.GetNodesAsync(new GetNodesRequest());
        var namespaces = await client.GetNamespacesAsync(new GetNamespacesRequest());

        var node = Assert.Single(nodes.Nodes);
        Assert.Equal("node-test", node.Name);
        Assert.Equal(NodeState.NodeConnected, node.State);
        Assert.Equal(2ul, node.SeenFlows);
        Assert.Equal(["default", "kube-system"], namespaces.Namespaces.Select(n => n.Namespace_));
    }

    [Fact]
    public async Task PeerNotify_AnnouncesThisNode()
    {
        await using var hubble = await TestHubble.StartAsync();
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        using var call = hubble.PeerClient().Notify(new NotifyRequest(), cancellationToken: cts.Token);

        Assert.True(await call.ResponseStream.MoveNext(cts.Token));

        Assert.Equal("node-test", call.ResponseStream.Current.Name);
        Assert.Equal(ChangeNotificationType.PeerAdded, call.ResponseStream.Current.Type);
    }
}
