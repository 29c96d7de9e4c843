using CiliumL7.Agent.Tests.Node;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using CiliumL7.TestSupport;
using Grpc.Core;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Cluster;

/// <summary>
/// Hubble Relay (the real <c>ciliuml7 hubble relay</c> process) over two real agents in node
/// namespaces with a real etcd: the nodes come from the agents' Peer service, the drops and the
/// 403 of node 2 show through the relay with node 2's name, a killed agent is reported while the
/// other node's flows keep streaming, and the restarted agent rejoins.
/// </summary>
public sealed class RelayClusterTests
{
    private readonly ITestOutputHelper _output;

    public RelayClusterTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task Relay_TwoNodes_FlowsWithNodeNamesAndAgentKillReportedThenRejoins()
    {
        await using var cluster = await TestCluster.StartAsync(_output, 2);
        var (n1, n2) = (cluster.Nodes[0], cluster.Nodes[1]);
        var tiefighter = n1.CreatePod("tiefighter", "org=empire,class=tiefighter");
        var xwing = n1.CreatePod("xwing", "org=alliance,class=xwing");
        var deathstar = n2.CreatePod("deathstar", "org=empire,class=deathstar");
        var deathstar1 = n1.CreatePod("deathstar1", "org=empire,class=deathstar");
        n2.Serve(deathstar, 80);
        n1.Serve(deathstar1, 80);
        foreach (var node in cluster.Nodes)
        {
            var file = Path.Combine(node.TempDir, "l7.yaml");
            await File.WriteAllTextAsync(file, NodeLifecycleTests.L7Policy);
            Assert.Equal(0, node.Cli("policy", "import", file).ExitCode);
        }
        Assert.True(await TestCluster.WaitIpcacheAsync(n2, xwing.Ip, (uint)xwing.Endpoint.Identity), n2.AgentLog);
        Assert.True(await TestCluster.WaitIpcacheAsync(n2, tiefighter.Ip, (uint)tiefighter.Endpoint.Identity), n2.AgentLog);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await n2.Client.GetStatusAsync()).Proxy.Redirects.Count > 0), n2.AgentLog);
        using var relay = await RelayProcess.StartAsync(cluster.Nodes, "--retry-timeout", "1s", "--sort-buffer-drain-timeout", "200ms");
        using var channel = HubbleChannel.Create(relay.Address);
        var client = new Observer.ObserverClient(channel);

        // :: node 2 judges both: the L3/L4 drop of the xwing and the L7 403 of the tiefighter's PUT.
        Assert.Equal(28, AgentNode.Curl(xwing, $"http://{deathstar.Ip}/v1/request-landing", 3, "-XPOST").ExitCode);
        var put = AgentNode.Curl(tiefighter, $"http://{deathstar.Ip}/v1/exhaust-port", 5, "-XPUT");
        Assert.True(put.Stdout == "Access denied\r\n", put.All + n2.AgentLog);
        string? seen = null;
        var shown = await AgentNode.EventuallyAsync(() =>
        {
            var observe = Cmd.Run(AgentNode.Bin("ciliuml7"), "observe", "--server", relay.Address, "--last", "100");
            seen = observe.All;
            return Task.FromResult(observe.ExitCode == 0
                && observe.Stdout.Split('\n').Any(l => l.Contains($"[{n2.NodeName}]: default/xwing:", StringComparison.Ordinal) && l.Contains("Policy denied DROPPED", StringComparison.Ordinal))
                && observe.Stdout.Split('\n').Any(l => l.Contains($"[{n2.NodeName}]: default/tiefighter:", StringComparison.Ordinal) && l.Contains("http-response FORWARDED (HTTP/1.1 403", StringComparison.Ordinal)));
        });
        Assert.True(shown, "observe --server on the relay:\n" + seen + "\nrelay log:\n" + relay.Log);
        var nodes = await client.GetNodesAsync(new GetNodesRequest());
        Assert.Equal(new[] { n1.NodeName, n2.NodeName }.Order(StringComparer.Ordinal), nodes.Nodes.Select(n => n.Name));
        Assert.All(nodes.Nodes, n => Assert.Equal(NodeState.NodeConnected, n.State));

        // :: node 2's agent is killed: reported unavailable; node 1's drops keep streaming on the same follow.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var request = new GetFlowsRequest { Follow = true };
        request.Whitelist.Add(new FlowFilter { Verdict = { Verdict.Dropped }, SourcePod = { "default/xwing" } });
        using var call = client.GetFlows(request, cancellationToken: cts.Token);
        var stream = call.ResponseStream;
        Assert.True(await NextStatusAsync(stream, NodeState.NodeConnected, n2.NodeName, cts.Token), relay.Log);
        n2.KillAgent();
        Assert.True(await NextStatusAsync(stream, NodeState.NodeUnavailable, n2.NodeName, cts.Token), relay.Log);
        var status = await client.ServerStatusAsync(new ServerStatusRequest());
        Assert.Equal((1u, 1u), (status.NumConnectedNodes, status.NumUnavailableNodes));
        Assert.Equal([n2.NodeName], status.UnavailableNodes);
        Assert.Equal(28, AgentNode.Curl(xwing, $"http://{deathstar1.Ip}/", 3).ExitCode);
        var local = await NextFlowAsync(stream, cts.Token);
        Assert.Equal((n1.NodeName, deathstar1.Ip), (local.NodeName, local.IP.Destination));

        // :: restarted: node 2 rejoins (endpoints and identities intact) and its drops show again.
        await n2.StartAgentAsync();
        Assert.True(await NextStatusAsync(stream, NodeState.NodeConnected, n2.NodeName, cts.Token), relay.Log);
        Assert.Equal(28, AgentNode.Curl(xwing, $"http://{deathstar.Ip}/", 3).ExitCode);
        var remote = await NextFlowAsync(stream, cts.Token);
        Assert.Equal((n2.NodeName, deathstar.Ip), (remote.NodeName, remote.IP.Destination));
        Assert.Equal(2u, (await client.ServerStatusAsync(new ServerStatusRequest())).NumConnectedNodes);
    }

    /// <summary>Reads node status events (skipping others of other nodes) until <paramref name="state"/> for <paramref name="node"/>.</summary>
    private static async Task<bool> NextStatusAsync(IAsyncStreamReader<GetFlowsResponse> stream, NodeState state, string node, CancellationToken ct)
    {
        while (await stream.MoveNext(ct))
        {
            if (stream.Current.NodeStatus is { } s && s.StateChange == state && s.NodeNames.Contains(node))
            {
                return true;
            }
        }
        return false;
    }

    private static async Task<Flow> NextFlowAsync(IAsyncStreamReader<GetFlowsResponse> stream, CancellationToken ct)
    {
        while (await stream.MoveNext(ct))
        {
            if (stream.Current.Flow is { } flow)
            {
                return flow;
            }
        }
        throw new InvalidOperationException("the relay's stream ended");
    }
}
