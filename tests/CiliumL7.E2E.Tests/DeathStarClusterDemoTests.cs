using System.Net;
using System.Net.Sockets;
using CiliumL7.TestSupport;
using Xunit.Abstractions;

namespace CiliumL7.E2E.Tests;

/// <summary>
/// Runs <c>scripts/demo-cluster.sh</c> (what <c>make demo-cluster</c> runs: the tutorial on a
/// 3-node <c>ciliuml7 cluster up</c>) with its own cluster name, cluster root and relay port, and
/// asserts the tutorial's outcomes and the relay's node names from what it printed, then that
/// nothing was left behind.
/// </summary>
public sealed class DeathStarClusterDemoTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void DemoCluster_ThreeNodes_EveryStepMatchesRelayNamesNodesAndNothingIsLeft()
    {
        Privileged.Require();
        Skip.IfNot(File.Exists(RepoPaths.Combine("bin", "ciliuml7-agent")), "bin/ is not built (run make build)");
        var name = "e" + Guid.NewGuid().ToString("N")[..8];
        var root = Directory.CreateTempSubdirectory("ciliuml7-e2e-clusters-").FullName;
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        var (code, text) = Command.Run("bash", RepoPaths.Combine("scripts", "demo-cluster.sh"), new Dictionary<string, string>
        {
            ["CILIUML7_DEMO_CLUSTER"] = name,
            ["CILIUML7_DEMO_RELAY"] = "127.0.0.1:" + port,
            ["CILIUML7_CLUSTER_ROOT"] = root,
        }, TimeSpan.FromMinutes(6));
        output.WriteLine(text);

        Assert.Equal(0, code);
        Assert.DoesNotContain("NOT as the tutorial says", text, StringComparison.Ordinal);
        Assert.Contains("Ship landed", text, StringComparison.Ordinal);
        Assert.Contains("Panic: deathstar exploded", text, StringComparison.Ordinal);
        Assert.Contains("Access denied", text, StringComparison.Ordinal);
        Assert.Matches(@"\[node[23]\]: default/xwing:\d+ .*Policy denied DROPPED", text);
        Assert.Matches(@"\[node[23]\]: default/tiefighter:\d+ .*http-response FORWARDED \(HTTP/1.1 403", text);
        Assert.Contains("ok (3 nodes connected)", text, StringComparison.Ordinal);

        // Nothing left behind: processes (the apps carry CILIUML7_CLUSTER=name), namespaces, pins, the cluster's directory.
        Assert.Empty(ProcessesWithEnvironment("CILIUML7_CLUSTER=" + name));
        Assert.DoesNotContain(name, Command.Run("ip", "netns list").Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetDirectories("/sys/fs/bpf"), d => d.Contains(name, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(root, name)), "the cluster's directory was left behind");
        Directory.Delete(root, recursive: true);
    }

    private static List<string> ProcessesWithEnvironment(string entry)
    {
        var found = new List<string>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(dir), out _) && File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains(entry))
                {
                    found.Add(Path.GetFileName(dir) + " " + File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile, or a kernel thread
            }
        }
        return found;
    }
}
