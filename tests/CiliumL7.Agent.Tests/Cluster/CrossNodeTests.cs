using CiliumL7.Agent.Tests.Node;
using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Cluster;

/// <summary>
/// Two nodes (netns, real agents in kvstore mode) joined by an underlay, with
/// a real etcd: identities and ipcache shared through etcd, and the tutorial's
/// policies judged on the destination node with the SOURCE pod's identity from
/// its ipcache — L3/L4 in eBPF, L7 in the destination node's proxy.
/// </summary>
public sealed class CrossNodeTests
{
    private const int PolicyDenied = 133;
    private const int InvalidSourceIp = 132;
    private readonly ITestOutputHelper _output;

    public CrossNodeTests(ITestOutputHelper output) => _output = output;


    [SkippableFact]
    public async Task DeathStar_AcrossNodes_DestinationJudgesWithSourceIdentityFromEtcd()
    {
        await using var cluster = await TestCluster.StartAsync(_output, 2);
        var (n1, n2) = (cluster.Nodes[0], cluster.Nodes[1]);
        var tiefighter = n1.CreatePod("tiefighter", "org=empire,class=tiefighter");
        var xwing = n1.CreatePod("xwing", "org=alliance,class=xwing");
        var deathstar = n2.CreatePod("deathstar", "org=empire,class=deathstar");
        var tiefighter2 = n2.CreatePod("tiefighter2", "org=empire,class=tiefighter");
        n2.Serve(deathstar, 80);
        var url = $"http://{deathstar.Ip}";

        // :: identities are the cluster's: same labels, same number on both nodes; Cilium's keys in etcd.
        Assert.Equal(tiefighter.Endpoint.Identity, tiefighter2.Endpoint.Identity);
        var master = cluster.Etcd!.Ctl("get", "--print-value-only", $"cilium/state/identities/v1/id/{tiefighter.Endpoint.Identity}").Stdout.Trim();
        Assert.Equal("k8s:class=tiefighter;k8s:io.kubernetes.pod.namespace=default;k8s:org=empire;", master);
        // :: each node's ipcache BPF map holds the other node's pods with their identities.
        Assert.True(await TestCluster.WaitIpcacheAsync(n2, tiefighter.Ip, (uint)tiefighter.Endpoint.Identity), "n2 ipcache lacks tiefighter\n" + n2.AgentLog);
        Assert.True(await TestCluster.WaitIpcacheAsync(n2, xwing.Ip, (uint)xwing.Endpoint.Identity), "n2 ipcache lacks xwing\n" + n2.AgentLog);
        Assert.True(await TestCluster.WaitIpcacheAsync(n1, deathstar.Ip, (uint)deathstar.Endpoint.Identity), "n1 ipcache lacks deathstar\n" + n1.AgentLog);
        var nodes = await n1.Client.ListNodesAsync();
        Assert.Equal(new[] { n1.NodeName, n2.NodeName }.Order(StringComparer.Ordinal), nodes.Select(n => n.Name).Order(StringComparer.Ordinal));
        Assert.Contains(nodes, n => n.Name == n2.NodeName && n.PodCidr == n2.PodCidr && n.Ipv4 == TestCluster.NodeIp(1));

        // :: Hubble's Peer service on either node lists every node of the cluster (what a relay discovers).
        using (var channel = CiliumL7.Hubble.Client.HubbleChannel.ForUnixSocket(Path.Combine(n1.StateDir, "hubble.sock")))
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            var peers = new CiliumL7.Hubble.Api.Peers.Peer.PeerClient(channel);
            using var call = peers.Notify(new CiliumL7.Hubble.Api.Peers.NotifyRequest(), cancellationToken: cts.Token);
            var announced = new Dictionary<string, string>();
            while (announced.Count < 2 && await call.ResponseStream.MoveNext(cts.Token))
            {
                Assert.Equal(CiliumL7.Hubble.Api.Peers.ChangeNotificationType.PeerAdded, call.ResponseStream.Current.Type);
                announced[call.ResponseStream.Current.Name] = call.ResponseStream.Current.Address;
            }
            Assert.Equal("unix://" + Path.Combine(n2.StateDir, "hubble.sock"), announced[n2.NodeName]);
            Assert.Equal("unix://" + Path.Combine(n1.StateDir, "hubble.sock"), announced[n1.NodeName]);
        }

        // :: no policy: both ships land across the underlay.
        var before = AgentNode.Curl(xwing, url + "/v1/request-landing", 5, "-XPOST");
        Assert.True(before.ExitCode == 0, before.All + n1.AgentLog + n2.AgentLog);
        Assert.Equal("Ship landed\n", before.Stdout);

        // :: L3/L4 (imported on every node, as Kubernetes would hand it to every agent).
        await ImportEverywhereAsync(cluster, "sw_l3_l4_policy.yaml", NodeLifecycleTests.L3L4Policy, n2, deathstar);
        var tie = AgentNode.Curl(tiefighter, url + "/v1/request-landing", 5, "-XPOST");
        var xw = AgentNode.Curl(xwing, url + "/v1/request-landing", 3, "-XPOST");
        Assert.True(tie.ExitCode == 0, tie.All + n2.AgentLog);
        Assert.Equal(28, xw.ExitCode);
        var drops = await n2.Client.GetDropsAsync();
        Assert.Contains(drops, d => d.Reason == PolicyDenied && d.SourceIp == xwing.Ip && d.SourceIdentity == xwing.Endpoint.Identity && d.Direction == "ingress");

        // :: a pod cannot borrow another pod's address (and with it its identity on the other node).
        Cmd.Check("ip", "-n", xwing.NetnsName, "addr", "add", tiefighter.Ip + "/32", "dev", "eth0");
        var spoofed = AgentNode.Curl(xwing, url + "/v1/request-landing", 3, "-XPOST", "--interface", tiefighter.Ip);
        Assert.NotEqual(0, spoofed.ExitCode);
        Assert.Contains(await n1.Client.GetDropsAsync(), d => d.Reason == InvalidSourceIp && d.SourceIp == tiefighter.Ip);
        Cmd.Check("ip", "-n", xwing.NetnsName, "addr", "del", tiefighter.Ip + "/32", "dev", "eth0");

        // :: L7 on the destination node's proxy.
        await ImportEverywhereAsync(cluster, "sw_l3_l4_l7_policy.yaml", NodeLifecycleTests.L7Policy, n2, deathstar, redirect: true);
        var landing = AgentNode.Curl(tiefighter, url + "/v1/request-landing", 5, "-XPOST");
        var exhaust = AgentNode.Curl(tiefighter, url + "/v1/exhaust-port", 5, "-XPUT", "-i");
        if (landing.ExitCode != 0)
        {
            var diag = AgentNode.Curl(tiefighter, url + "/v1/request-landing", 5, "-v", "-XPOST").All
                + n2.InNode("ss", "-tanpe").All + n2.InNode("ip", "rule").All + n2.InNode("ip", "route", "show", "table", "2004").All
                + string.Join("\n", (await n2.Client.GetDropsAsync()).Select(d => $"{d.ReasonName} {d.SourceIp}:{d.SourcePort}->{d.DestinationIp}:{d.DestinationPort} {d.Direction}"))
                + "\nn1 drops:" + string.Join("\n", (await n1.Client.GetDropsAsync()).Select(d => $"{d.ReasonName} {d.SourceIp}:{d.SourcePort}->{d.DestinationIp}:{d.DestinationPort} {d.Direction}"))
                + n2.Cli("observe", "--last", "50").All;
            Assert.Fail("landing failed " + landing.ExitCode + "\n" + diag + n2.AgentLog);
        }
        Assert.Equal("Ship landed\n", landing.Stdout);
        Assert.StartsWith("HTTP/1.1 403", exhaust.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nAccess denied\r\n", exhaust.Stdout, StringComparison.Ordinal);

        // :: a pod deleted on node 1 leaves node 2's ipcache.
        Assert.Equal(0, n1.Cli("endpoint", "delete", xwing.Name).ExitCode);
        Assert.True(await TestCluster.WaitIpcacheAsync(n2, xwing.Ip, null), "n2 ipcache still has xwing\n" + n2.AgentLog);
    }

    private static async Task ImportEverywhereAsync(TestCluster cluster, string name, string yaml, AgentNode selectedOn, TestPod selected, bool redirect = false)
    {
        foreach (var node in cluster.Nodes)
        {
            var file = Path.Combine(node.TempDir, name);
            await File.WriteAllTextAsync(file, yaml);
            var r = node.Cli("policy", "import", file);
            Assert.True(r.ExitCode == 0, r.All);
        }
        Assert.True(await AgentNode.EventuallyAsync(async () =>
        {
            var ep = await selectedOn.Client.GetEndpointAsync(selected.Endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var status = await selectedOn.Client.GetStatusAsync();
            return ep is { PolicyIngressEnforced: true } && (!redirect || status.Proxy.Redirects.Count > 0) && status.PolicyRevisionApplied >= status.PolicyRevision;
        }), "policy not enforced on " + selectedOn.NodeName);
    }
}
