using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.TestSupport;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Cluster;

/// <summary>
/// <c>ciliuml7 cluster up/status/down</c> as a user runs them (the real CLI, etcd, agents in node
/// namespaces, relay): the processes outlive the CLI, <c>--node</c> reaches each node, a pod on
/// node 1 reaches a pod on node 2, the relay names both nodes, and <c>down</c> leaves nothing (twice).
/// </summary>
public sealed class ClusterCommandTests
{
    private readonly ITestOutputHelper _output;

    public ClusterCommandTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task ClusterUpStatusDown_TwoNodes_PodsTalkAcrossNodesAndNothingIsLeft()
    {
        Privileged.Require();
        var suffix = Cmd.Suffix();
        var name = "t" + suffix;
        var root = Directory.CreateTempSubdirectory("ciliuml7-clusters-").FullName;
        var relay = "127.0.0.1:" + FreePort();
        var env = new Dictionary<string, string> { ["CILIUML7_CLUSTER_ROOT"] = root, ["CILIUML7_CLUSTER"] = name };
        Cmd.Result Cli(params string[] args) => Cmd.Run(AgentNode.Bin("ciliuml7"), args, TimeSpan.FromSeconds(180), env: env);
        PodServer? server = null;
        try
        {
            // :: up: etcd, two nodes, relay — all still running after the CLI exited.
            var up = Cli("cluster", "up", "--nodes", "2", "--name", name, "--relay-address", relay);
            Assert.True(up.ExitCode == 0, up.All);
            var status = Cli("cluster", "status", "--name", name, "-o", "json");
            Assert.True(status.ExitCode == 0, status.All);
            using var doc = JsonDocument.Parse(status.Stdout);
            var nodes = doc.RootElement.GetProperty("nodes").EnumerateArray().ToList();
            Assert.Equal(["node1", "node2"], nodes.Select(n => n.GetProperty("name").GetString()));
            Assert.Equal(["172.31.0.1", "172.31.0.2"], nodes.Select(n => n.GetProperty("ip").GetString()));
            Assert.Equal(["10.244.1.0/24", "10.244.2.0/24"], nodes.Select(n => n.GetProperty("podCidr").GetString()));
            Assert.All(nodes, n => Assert.Equal("ok", n.GetProperty("health").GetString()));
            Assert.Equal("ok (2 nodes connected)", doc.RootElement.GetProperty("relay").GetProperty("health").GetString());
            var pids = nodes.Select(n => n.GetProperty("agentPid").GetInt32())
                .Append(doc.RootElement.GetProperty("etcd").GetProperty("pid").GetInt32())
                .Append(doc.RootElement.GetProperty("relay").GetProperty("pid").GetInt32()).ToList();
            Assert.All(pids, pid => Assert.True(Directory.Exists($"/proc/{pid}"), $"PID {pid} is gone"));

            // :: --node: each node's agent; endpoint create --node puts the pod on that node.
            Assert.Contains("node node2", Cli("--node", "node2", "status").Stdout, StringComparison.Ordinal);
            var tie = Cli("endpoint", "create", "--node", "node1", "--name", "tie-" + suffix, "--labels", "org=empire,class=tiefighter", "-o", "json");
            var ds = Cli("endpoint", "create", "--node", "node2", "--name", "ds-" + suffix, "--labels", "org=empire,class=deathstar", "-o", "json");
            Assert.True(tie.ExitCode == 0 && ds.ExitCode == 0, tie.All + ds.All);
            var dsIp = JsonDocument.Parse(ds.Stdout).RootElement.GetProperty("ipv4").GetString()!;
            Assert.StartsWith("10.244.2.", dsIp, StringComparison.Ordinal);
            server = PodServer.Start("/var/run/netns/ds-" + suffix, 80);
            var landing = Cmd.Run("nsenter", ["--net=/var/run/netns/tie-" + suffix, "curl", "-s", "--max-time", "5", "-XPOST", $"http://{dsIp}/v1/request-landing"], TimeSpan.FromSeconds(30));
            Assert.True(landing.Stdout == "Ship landed\n", landing.All);
            Assert.Contains("node1", Cli("--node", "node2", "node", "list").Stdout, StringComparison.Ordinal);

            // :: connectivity test on node 1 finds node 2 through the kvstore and runs pod-to-pod-other-node
            //    (the client on node 1, an echo pod it deploys on node 2), then removes what it made there too.
            var node1Netns = nodes[0].GetProperty("netns").GetString() ?? $"cl7-{name}-node1";
            var node1Socket = nodes[0].GetProperty("agentSocket").GetString()!;
            var ct = Cmd.Run("nsenter", ["--net=/var/run/netns/" + node1Netns, AgentNode.Bin("ciliuml7"), "-H", node1Socket,
                "connectivity", "test", "--test", "pod-to-pod-other-node", "--test-namespace", "ct-" + suffix], TimeSpan.FromSeconds(180), env: env);
            Assert.True(ct.ExitCode == 0, ct.All);
            Assert.Contains("on node node2", ct.Stdout, StringComparison.Ordinal);
            Assert.Contains("✅ All 1 tests (1 actions) successful, 0 tests skipped", ct.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("ct-" + suffix, Cli("--node", "node2", "endpoint", "list").Stdout, StringComparison.Ordinal);

            // :: down removes everything, by PID and by name; a second down has nothing to do.
            server.Dispose();
            server = null;
            var down = Cli("cluster", "down", "--name", name);
            Assert.True(down.ExitCode == 0, down.All);
            Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z", StringComparison.Ordinal), $"PID {pid} still runs"));
            var netns = Cmd.Run("ip", "netns", "list").Stdout;
            Assert.DoesNotContain($"cl7-{name}-", netns, StringComparison.Ordinal);
            Assert.DoesNotContain(suffix, netns, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(root, name)));
            Assert.False(Directory.Exists($"/sys/fs/bpf/ciliuml7-{name}-node1"));
            var again = Cli("cluster", "down", "--name", name);
            Assert.Equal(0, again.ExitCode);
        }
        finally
        {
            server?.Dispose();
            var cleanup = Cli("cluster", "down", "--name", name);
            _output.WriteLine(cleanup.All);
            Directory.Delete(root, recursive: true);
        }
    }

    [SkippableFact]
    public void ClusterUp_ThreeEtcdMembers_OneMemberKilled_IdentitiesAndIpcacheKeepWorking()
    {
        Privileged.Require();
        var suffix = Cmd.Suffix();
        var name = "e" + suffix;
        var root = Directory.CreateTempSubdirectory("ciliuml7-clusters-").FullName;
        var env = new Dictionary<string, string> { ["CILIUML7_CLUSTER_ROOT"] = root, ["CILIUML7_CLUSTER"] = name };
        Cmd.Result Cli(params string[] args) => Cmd.Run(AgentNode.Bin("ciliuml7"), args, TimeSpan.FromSeconds(180), env: env);
        try
        {
            var up = Cli("cluster", "up", "--nodes", "2", "--name", name, "--etcd-members", "3", "--relay-address", "127.0.0.1:" + FreePort());
            Assert.True(up.ExitCode == 0, up.All);
            using var doc = JsonDocument.Parse(Cli("cluster", "status", "--name", name, "-o", "json").Stdout);
            var etcd = doc.RootElement.GetProperty("etcd");
            Assert.Equal("ok (3/3 members)", etcd.GetProperty("health").GetString());
            var members = etcd.GetProperty("members").EnumerateArray().ToList();
            Assert.Equal(3, members.Count);

            // The member the agents list first dies; the quorum (2 of 3) goes on, and so do the agents.
            var first = members[0].GetProperty("pid").GetInt32();
            Assert.Equal(0, Cmd.Run("kill", first.ToString(System.Globalization.CultureInfo.InvariantCulture)).ExitCode);
            Assert.Contains("ok (2/3 members: quorum)", Cli("cluster", "status", "--name", name).Stdout, StringComparison.Ordinal);
            var created = Cli("endpoint", "create", "--node", "node1", "--name", "fresh-" + suffix, "--labels", "app=after-member-loss-" + suffix, "-o", "json");
            Assert.True(created.ExitCode == 0, created.All);
            using var endpoint = JsonDocument.Parse(created.Stdout);
            Assert.Equal("ready", endpoint.RootElement.GetProperty("status").GetString()); // a new identity, allocated in etcd
            var identity = endpoint.RootElement.GetProperty("identity").GetInt64();
            Assert.True(identity >= 256, $"identity {identity} should be a cluster identity, not reserved:init");
            var ip = endpoint.RootElement.GetProperty("ipv4").GetString()!;
            var seen = false;
            for (var i = 0; i < 50 && !seen; i++)
            {
                seen = Cli("--node", "node2", "status", "-o", "json").Stdout.Contains("\"remoteIps\": 1", StringComparison.Ordinal)
                    || Cli("--node", "node2", "identity", "list").Stdout.Contains("after-member-loss-" + suffix, StringComparison.Ordinal);
                if (!seen)
                {
                    Thread.Sleep(200);
                }
            }
            Assert.True(seen, $"node2 should learn {ip}'s identity through the remaining members");
        }
        finally
        {
            var down = Cli("cluster", "down", "--name", name);
            _output.WriteLine(down.All);
            Directory.Delete(root, recursive: true);
        }
        Assert.DoesNotContain($"cl7-{name}-", Cmd.Run("ip", "netns", "list").Stdout, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
