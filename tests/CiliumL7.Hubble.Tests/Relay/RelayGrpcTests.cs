using CiliumL7.Hubble.Api;
using Grpc.Core;

namespace CiliumL7.Hubble.Tests.Relay;

/// <summary>Hubble Relay end to end: two real Hubble servers, discovery through peer.Peer/Notify, real gRPC clients.</summary>
public sealed class RelayGrpcTests
{
    [Fact]
    public async Task GetFlows_TwoNodes_MergedInTimeOrderWithNodeNames()
    {
        await using var world = await RelayWorld.StartAsync();
        Publish(world);

        var responses = await world.Client.GetFlowsAsync(new GetFlowsRequest());

        var flows = responses.Where(r => r.Flow is not null).ToList();
        Assert.Equal(["node-a", "node-b", "node-a", "node-b"], flows.Select(r => r.NodeName));
        Assert.Equal(["node-a", "node-b", "node-a", "node-b"], flows.Select(r => r.Flow.NodeName));
        Assert.Equal(flows.Select(r => r.Flow.Time).OrderBy(t => t.ToDateTimeOffset()), flows.Select(r => r.Flow.Time));
        var connected = Assert.Single(responses, r => r.NodeStatus is not null).NodeStatus;
        Assert.Equal(NodeState.NodeConnected, connected.StateChange);
        Assert.Equal(["node-a", "node-b"], connected.NodeNames);
    }

    [Fact]
    public async Task GetFlows_NumberAndFirst_AppliedAcrossNodes()
    {
        await using var world = await RelayWorld.StartAsync();
        Publish(world);

        var last = (await world.Client.GetFlowsAsync(new GetFlowsRequest { Number = 3 })).Flows();
        var first = (await world.Client.GetFlowsAsync(new GetFlowsRequest { Number = 2, First = true })).Flows();

        Assert.Equal([10, 20, 30], last.Select(Offset));
        Assert.Equal([0, 10], first.Select(Offset));
    }

    [Fact]
    public async Task GetFlows_WhitelistAndBlacklist_ForwardedToEveryNode()
    {
        await using var world = await RelayWorld.StartAsync();
        Publish(world);
        var dropped = new GetFlowsRequest();
        dropped.Whitelist.Add(new FlowFilter { Verdict = { Verdict.Dropped } });
        var notL7 = new GetFlowsRequest();
        notL7.Blacklist.Add(new FlowFilter { EventType = { new EventTypeFilter { Type = 129 } } });

        var drops = (await world.Client.GetFlowsAsync(dropped)).Flows();
        var l3l4 = (await world.Client.GetFlowsAsync(notL7)).Flows();

        Assert.Equal([("node-a", FlowType.L3L4), ("node-b", FlowType.L7)], drops.Select(f => (f.NodeName, f.Type)));
        Assert.Equal(["node-a"], l3l4.Select(f => f.NodeName));
    }

    [Fact]
    public async Task ServerStatusAndGetNodes_NodeDown_ReportedUnavailableAndFlowsOfOthersServed()
    {
        await using var world = await RelayWorld.StartAsync();
        Publish(world);
        var up = await world.Client.ServerStatusAsync(new ServerStatusRequest());
        Assert.Equal(2u, up.NumConnectedNodes);
        Assert.Equal(0u, up.NumUnavailableNodes);
        Assert.Equal(4ul, up.NumFlows);

        await world.StopBAsync();
        var down = await world.Client.ServerStatusAsync(new ServerStatusRequest());
        var nodes = await world.Client.GetNodesAsync(new GetNodesRequest());
        var responses = await world.Client.GetFlowsAsync(new GetFlowsRequest());

        Assert.Equal(1u, down.NumConnectedNodes);
        Assert.Equal(1u, down.NumUnavailableNodes);
        Assert.Equal(["node-b"], down.UnavailableNodes);
        Assert.Equal([("node-a", NodeState.NodeConnected), ("node-b", NodeState.NodeUnavailable)], nodes.Nodes.Select(n => (n.Name, n.State)));
        Assert.Equal("unix://" + world.BSocket, nodes.Nodes[1].Address);
        Assert.Equal(["node-a", "node-a"], responses.Flows().Select(f => f.NodeName));
        var unavailable = Assert.Single(responses, r => r.NodeStatus is { StateChange: NodeState.NodeUnavailable }).NodeStatus;
        Assert.Equal(["node-b"], unavailable.NodeNames);
    }

    [Fact]
    public async Task GetFlows_FollowWhileNodeRestarts_StreamKeepsFlowingAndNodeRejoins()
    {
        await using var world = await RelayWorld.StartAsync();
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        using var call = world.Client.GetFlows(new GetFlowsRequest { Follow = true }, cancellationToken: cts.Token);
        var stream = call.ResponseStream;

        // Both nodes connected (the followers announce themselves), then a flow from each.
        Assert.Equal(["node-a", "node-b"], (await ReadStatusesAsync(stream, 2, cts.Token)).SelectMany(s => s.NodeNames).Order());
        world.A.Server.Publish(Now(DeathStarFlows.XwingDrop()));
        world.B!.Publish(Now(DeathStarFlows.ExhaustPortRequest()));
        Assert.Equal(["node-a", "node-b"], (await ReadFlowsAsync(stream, 2, cts.Token)).Select(f => f.NodeName).Order());

        // node-b goes away: reported, and node-a's flows keep coming on the same stream.
        await world.StopBAsync();
        var gone = Assert.Single(await ReadStatusesAsync(stream, 1, cts.Token));
        Assert.Equal((NodeState.NodeUnavailable, "node-b"), (gone.StateChange, Assert.Single(gone.NodeNames)));
        world.A.Server.Publish(Now(DeathStarFlows.LandingRequest()));
        Assert.Equal("node-a", Assert.Single(await ReadFlowsAsync(stream, 1, cts.Token)).NodeName);

        // node-b is back (a new process on the same socket): it rejoins and its new flows arrive, once.
        await world.StartBAgainAsync();
        var back = Assert.Single(await ReadStatusesAsync(stream, 1, cts.Token));
        Assert.Equal((NodeState.NodeConnected, "node-b"), (back.StateChange, Assert.Single(back.NodeNames)));
        world.B!.Publish(Now(DeathStarFlows.ExhaustPort403()));
        var after = Assert.Single(await ReadFlowsAsync(stream, 1, cts.Token));
        Assert.Equal(("node-b", 403u), (after.NodeName, after.L7.Http.Code));
        Assert.Equal(2u, (await world.Client.ServerStatusAsync(new ServerStatusRequest())).NumConnectedNodes);
    }

    [Fact]
    public async Task GetFlows_FollowWithNumber_BacklogAcrossNodesThenNewFlowsOnce()
    {
        await using var world = await RelayWorld.StartAsync();
        var t = DateTimeOffset.UtcNow.AddSeconds(-1);
        foreach (var (node, offset) in new[] { (world.A.Server, 0), (world.B!, 100), (world.A.Server, 200), (world.B!, 300) })
        {
            var flow = DeathStarFlows.XwingDrop();
            flow.Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(t.AddMilliseconds(offset));
            node.Publish(flow);
        }
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        using var call = world.Client.GetFlows(new GetFlowsRequest { Number = 3, Follow = true }, cancellationToken: cts.Token);
        var stream = call.ResponseStream;

        Assert.Equal(NodeState.NodeConnected, Assert.Single(await ReadStatusesAsync(stream, 1, cts.Token)).StateChange);
        var backlog = await ReadFlowsAsync(stream, 3, cts.Token);
        Assert.Equal(["node-b", "node-a", "node-b"], backlog.Select(f => f.NodeName));
        world.A.Server.Publish(Now(DeathStarFlows.LandingRequest()));
        var next = Assert.Single(await ReadFlowsAsync(stream, 1, cts.Token));
        Assert.Equal(("node-a", FlowType.L7), (next.NodeName, next.Type));
    }

    [Fact]
    public async Task GetFlows_FirstWithFollow_InvalidArgument()
    {
        await using var world = await RelayWorld.StartAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => world.Client.GetFlowsAsync(new GetFlowsRequest { First = true, Follow = true }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    private static void Publish(RelayWorld world)
    {
        world.A.Server.Publish(DeathStarFlows.XwingDrop(0));
        world.B!.Publish(DeathStarFlows.ExhaustPortRequest(10));
        world.A.Server.Publish(DeathStarFlows.LandingRequest(20));
        world.B!.Publish(DeathStarFlows.ExhaustPort403(30));
    }

    /// <summary>The flow stamped with the current time when published (a follow only sees flows after it started).</summary>
    private static Flow Now(Flow flow)
    {
        flow.Time = null;
        return flow;
    }

    private static int Offset(Flow flow) => (int)(flow.Time.ToDateTimeOffset() - DeathStarFlows.T0).TotalMilliseconds;

    private static async Task<List<NodeStatusEvent>> ReadStatusesAsync(IAsyncStreamReader<GetFlowsResponse> stream, int count, CancellationToken ct)
    {
        var statuses = new List<NodeStatusEvent>();
        while (statuses.Count < count && await stream.MoveNext(ct))
        {
            Assert.True(stream.Current.NodeStatus is not null, "expected a node status event, got " + stream.Current);
            statuses.Add(stream.Current.NodeStatus);
        }
        return statuses;
    }

    private static async Task<List<Flow>> ReadFlowsAsync(IAsyncStreamReader<GetFlowsResponse> stream, int count, CancellationToken ct)
    {
        var flows = new List<Flow>();
        while (flows.Count < count && await stream.MoveNext(ct))
        {
            Assert.True(stream.Current.Flow is not null, "expected a flow, got " + stream.Current);
            flows.Add(stream.Current.Flow);
        }
        return flows;
    }
}
