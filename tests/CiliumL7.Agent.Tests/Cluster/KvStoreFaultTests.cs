using CiliumL7.Agent.Tests.Node;
using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Cluster;

/// <summary>Faults of the cluster's store, against a real etcd: it stops, and it comes back.</summary>
public sealed class KvStoreFaultTests
{
    private readonly ITestOutputHelper _output;

    public KvStoreFaultTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task EtcdOutage_EnforcementGoesOnAndNothingIsFlushed_ThenStateResyncs()
    {
        await using var cluster = await TestCluster.StartAsync(_output, 2);
        var (n1, n2) = (cluster.Nodes[0], cluster.Nodes[1]);
        var tiefighter = n1.CreatePod("tiefighter", "org=empire,class=tiefighter");
        var xwing = n1.CreatePod("xwing", "org=alliance,class=xwing");
        var deathstar = n2.CreatePod("deathstar", "org=empire,class=deathstar");
        n2.Serve(deathstar, 80);
        var url = $"http://{deathstar.Ip}/v1/request-landing";
        foreach (var node in cluster.Nodes)
        {
            var file = Path.Combine(node.TempDir, "l3l4.yaml");
            await File.WriteAllTextAsync(file, NodeLifecycleTests.L3L4Policy);
            Assert.Equal(0, node.Cli("policy", "import", file).ExitCode);
        }
        Assert.True(await TestCluster.WaitIpcacheAsync(n2, tiefighter.Ip, (uint)tiefighter.Endpoint.Identity));
        Assert.True(await TestCluster.WaitIpcacheAsync(n2, xwing.Ip, (uint)xwing.Endpoint.Identity));

        // :: etcd goes away: status says so, enforcement goes on with what the nodes had.
        cluster.Etcd!.Stop();
        Assert.True(await AgentNode.EventuallyAsync(async () => (await n1.Client.GetStatusAsync()).KvStore?.State == "Failure"), n1.AgentLog);
        Assert.Contains("KVStore:                 Unreachable", n1.Cli("status").Stdout, StringComparison.Ordinal);
        Assert.Equal(0, AgentNode.Curl(tiefighter, url, 5, "-XPOST").ExitCode);
        Assert.Equal(28, AgentNode.Curl(xwing, url, 3, "-XPOST").ExitCode);
        Assert.Equal((uint)tiefighter.Endpoint.Identity, TestCluster.IpcacheIdentity(n2, tiefighter.Ip));

        // :: meanwhile: a pod with labels nobody has (waits for its identity), and a pod deleted.
        var bomber = n1.CreatePod("bomber", "org=empire,class=bomber");
        Assert.Equal(5, bomber.Endpoint.Identity); // reserved:init until the store is back
        Assert.Equal(0, n1.Cli("endpoint", "delete", xwing.Name).ExitCode);

        // :: etcd is back: the new pod gets a cluster identity the other node learns; the deleted pod leaves its ipcache.
        await cluster.Etcd.StartAsync();
        Assert.True(await AgentNode.EventuallyAsync(async () => (await n1.Client.GetStatusAsync()).KvStore?.State == "Ok", TimeSpan.FromSeconds(30)), n1.AgentLog);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await n1.Client.GetEndpointAsync(bomber.Name))?.Identity >= 256), n1.AgentLog);
        var identity = (await n1.Client.GetEndpointAsync(bomber.Name))!.Identity;
        Assert.True(await TestCluster.WaitIpcacheAsync(n2, bomber.Ip, (uint)identity), "n2 lacks the bomber\n" + n2.AgentLog);
        Assert.True(await TestCluster.WaitIpcacheAsync(n2, xwing.Ip, null), "n2 still has the deleted xwing\n" + n2.AgentLog);
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(bomber, url, 3, "-XPOST").ExitCode == 0)), "the empire's bomber cannot land\n" + n2.AgentLog);
    }

    [SkippableFact]
    public async Task NodeRemoved_LeaseRevokedByCleanup_ItsPodsLeaveTheOtherNodesIpcacheAndRoutes()
    {
        await using var cluster = await TestCluster.StartAsync(_output, 2);
        var (n1, n2) = (cluster.Nodes[0], cluster.Nodes[1]);
        var deathstar = n2.CreatePod("deathstar", "org=empire,class=deathstar");
        var tiefighter = n1.CreatePod("tiefighter", "org=empire,class=tiefighter");
        Assert.True(await TestCluster.WaitIpcacheAsync(n1, deathstar.Ip, (uint)deathstar.Endpoint.Identity), n1.AgentLog);
        Assert.Contains(n2.PodCidr, n1.InNode("ip", "route").Stdout, StringComparison.Ordinal);

        // :: node 2 leaves: its agent stops and cleanup revokes its lease (what `cluster down` and a decommission do).
        n2.KillAgent();
        var cleanup = Cmd.Run("nsenter", ["--net=" + n2.NodeNetnsPath, AgentNode.Bin("ciliuml7-agent"), "cleanup",
            "--state-dir", n2.StateDir, "--bpf-root", n2.BpfRoot, "--policy-dir", n2.PolicyDir,
            "--kvstore", "etcd", "--kvstore-opt", $"etcd.address=http://{TestCluster.EtcdIp}:2379"], TimeSpan.FromSeconds(60));
        Assert.True(cleanup.Stdout.Contains("revoked the node's lease", StringComparison.Ordinal), cleanup.All);

        // :: node 1 forgets it: the pod's ipcache row, the node, the route to its pod CIDR; its own pod stays.
        Assert.True(await TestCluster.WaitIpcacheAsync(n1, deathstar.Ip, null), "n1 still has node 2's pod\n" + n1.AgentLog);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await n1.Client.ListNodesAsync()).All(n => n.Name != n2.NodeName)), n1.AgentLog);
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(!n1.InNode("ip", "route").Stdout.Contains(n2.PodCidr, StringComparison.Ordinal))),
            n1.InNode("ip", "route").All);
        Assert.Equal((uint)tiefighter.Endpoint.Identity, TestCluster.IpcacheIdentity(n1, tiefighter.Ip));
        Assert.Equal("", cluster.Etcd!.Ctl("get", "--prefix", "--keys-only", $"cilium/state/ip/v1/{cluster.Name}/{deathstar.Ip}").Stdout.Trim());
    }
}
