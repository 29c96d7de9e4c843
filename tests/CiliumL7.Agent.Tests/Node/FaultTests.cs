using System.Diagnostics;
using System.Globalization;
using System.Text;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.Client.Models;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary>
/// Faults a node lives through: the agent (and with it the proxy's listeners) killed, killed in the middle of a
/// policy import and of an endpoint create, a full state directory, and its bpffs pins removed. Each must fail
/// closed or leave whole state behind — never a silent allow, never half of a change.
/// </summary>
public sealed class FaultTests
{
    private readonly ITestOutputHelper _output;

    public FaultTests(ITestOutputHelper output) => _output = output;

    /// <summary>The tutorial's L7 rule: empire ships may only POST /v1/request-landing to the deathstar.</summary>
    private static readonly string L7Policy = NodeLifecycleTests.L3L4Policy.Replace("""
                    protocol: TCP
            """, """
                    protocol: TCP
                  rules:
                    http:
                    - method: "POST"
                      path: "/v1/request-landing"
            """, StringComparison.Ordinal);

    [SkippableFact]
    public async Task AgentKilled_L7RedirectedPort_NothingReachesTheBackendUntilRestart()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
        var tiefighter = node.CreatePod("tiefighter", "org=empire,class=tiefighter");
        using var server = node.Serve(deathstar, 80);
        await ImportAsync(node, "l7.yaml", L7Policy);
        var url = $"http://{deathstar.Ip}/v1/request-landing";
        Assert.Equal(0, AgentNode.Curl(tiefighter, url, 5, "-XPOST").ExitCode);
        var acceptedBefore = server.Accepted;

        // The proxy lives in the agent: killing it closes every L7 listener while the eBPF redirect stays.
        node.KillAgent();
        var allowedWhileDown = AgentNode.Curl(tiefighter, url, 3, "-XPOST", "-o", "/dev/null", "-w", "%{http_code}");
        var deniedWhileDown = AgentNode.Curl(tiefighter, $"http://{deathstar.Ip}/v1/exhaust-port", 3, "-XPUT", "-o", "/dev/null", "-w", "%{http_code}");
        var acceptedWhileDown = server.Accepted;
        await node.StartAgentAsync();
        var afterRestart = await AgentNode.EventuallyAsync(() => Task.FromResult(AgentNode.Curl(tiefighter, url, 3, "-XPOST").ExitCode == 0), TimeSpan.FromSeconds(20));
        var deniedAfter = AgentNode.Curl(tiefighter, $"http://{deathstar.Ip}/v1/exhaust-port", 5, "-XPUT");

        Assert.NotEqual(0, allowedWhileDown.ExitCode); // no proxy: no answer at all, not a bypass to the pod
        Assert.NotEqual(0, deniedWhileDown.ExitCode);
        Assert.Equal(acceptedBefore, acceptedWhileDown);
        Assert.True(afterRestart, "the allowed request did not work again after the agent restarted:\n" + node.AgentLog);
        Assert.Equal("Access denied\r\n", deniedAfter.Stdout);
    }

    [SkippableFact]
    public async Task AgentKilledDuringImport_Restart_AllOrNothingAndAgreesWithTheDatapath()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
        var xwing = node.CreatePod("xwing", "org=alliance,class=xwing");
        using var server = node.Serve(deathstar, 80);
        // 200 policies in one import, each selecting the deathstar for peers that do not exist: with any of them
        // in force the deathstar's ingress is enforced and the xwing dropped; with none, the xwing gets in.
        var yaml = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            yaml.Append(i == 0 ? "" : "---\n").Append(CultureInfo.InvariantCulture, $"""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: filler-{i}
                spec:
                  endpointSelector:
                    matchLabels:
                      class: deathstar
                  ingress:
                  - fromEndpoints:
                    - matchLabels:
                        class: filler-{i}

                """);
        }
        var file = Path.Combine(node.TempDir, "many.yaml");
        await File.WriteAllTextAsync(file, yaml.ToString());

        // Kill the agent while the import is in flight, at a few points of it; each restart must show all of
        // it or none of it, and the datapath must agree with what the agent says it holds.
        foreach (var delayMs in new[] { 5, 40, 150 })
        {
            Assert.Equal(0, node.Cli("policy", "delete", "--all").ExitCode);
            using var import = StartCli(node, "policy", "import", file);
            await Task.Delay(delayMs);
            node.KillAgent();
            import.WaitForExit(30_000);
            await node.StartAgentAsync();
            var count = (await node.Client.GetPolicyAsync()).Policies.Count;
            Assert.True(count is 0 or 200, $"after a kill {delayMs} ms into the import the agent holds {count} of 200 policies");
            var reached = await AgentNode.EventuallyAsync(
                () => Task.FromResult(AgentNode.Curl(xwing, $"http://{deathstar.Ip}/", 2).ExitCode == 0 == (count == 0)), TimeSpan.FromSeconds(15));
            Assert.True(reached, $"{count} policies held, but the xwing's traffic says otherwise (kill at {delayMs} ms)");
        }

        // And a complete import still works afterwards.
        Assert.Equal(0, node.Cli("policy", "import", file).ExitCode);
        Assert.Equal(200, (await node.Client.GetPolicyAsync()).Policies.Count);
    }

    [SkippableFact]
    public async Task AgentKilledDuringEndpointCreate_Restart_NoHalfEndpointAndNoLeakedAddress()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
        using var server = node.Serve(deathstar, 80);

        foreach (var delayMs in new[] { 10, 60, 200 })
        {
            var name = "late" + delayMs.ToString(CultureInfo.InvariantCulture);
            var netns = $"l7p-{node.Suffix}-{name}";
            using (var create = StartCli(node, "endpoint", "create", "--netns", netns, "--name", name, "--labels", "org=empire,class=tiefighter"))
            {
                await Task.Delay(delayMs);
                node.KillAgent();
                create.WaitForExit(30_000);
            }
            await node.StartAgentAsync();
            var endpoints = await node.Client.ListEndpointsAsync();
            var ipam = await node.Client.GetIpamAsync();
            var mine = endpoints.Where(e => e.Name == name).ToList();
            Assert.True(mine.Count <= 1, $"{mine.Count} endpoints named {name}");
            // Every address IPAM holds belongs to an endpoint: a create cut short leaks none.
            Assert.Equal(endpoints.Select(e => e.Ipv4).Order(StringComparer.Ordinal), ipam.Allocations.Select(a => a.Ipv4).Order(StringComparer.Ordinal));

            // A retried create (what a kubelet does after a failed CNI ADD) ends with one working pod.
            if (mine.Count == 0)
            {
                Cmd.Run("ip", "netns", "del", netns);
                Assert.Equal(0, node.Cli("endpoint", "create", "--netns", netns, "--name", name, "--labels", "org=empire,class=tiefighter").ExitCode);
            }
            var after = (await node.Client.ListEndpointsAsync()).Single(e => e.Name == name);
            var curl = Cmd.Run("nsenter", ["--net=/var/run/netns/" + netns, "curl", "-s", "--max-time", "3", $"http://{deathstar.Ip}/"], TimeSpan.FromSeconds(20));
            Assert.True(curl.ExitCode == 0, $"pod {name} ({after.Ipv4}) cannot reach the deathstar after a kill {delayMs} ms into its create: {curl.All}");
            Assert.Equal(0, node.Cli("endpoint", "delete", after.Id.ToString(CultureInfo.InvariantCulture)).ExitCode);
            Cmd.Run("ip", "netns", "del", netns);
        }
    }

    [SkippableFact]
    public async Task StateDirectoryFull_Import_RefusedWithTheReasonAndEnforcementContinues()
    {
        // The state directory on a 4 MiB tmpfs of the test's own, filled up once the agent runs.
        string? mountPoint = null;
        await using var node = await AgentNode.StartAsync(_output, prepare: n =>
        {
            Directory.CreateDirectory(n.StateDir);
            Cmd.Check("mount", "-t", "tmpfs", "-o", "size=4m", "cl7-test-state", n.StateDir);
            mountPoint = n.StateDir;
            return [];
        });
        try
        {
            var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
            var tiefighter = node.CreatePod("tiefighter", "org=empire,class=tiefighter");
            var xwing = node.CreatePod("xwing", "org=alliance,class=xwing");
            using var server = node.Serve(deathstar, 80);
            await ImportAsync(node, "rule1.yaml", NodeLifecycleTests.L3L4Policy);
            Cmd.Run("dd", "if=/dev/zero", "of=" + Path.Combine(node.StateDir, "filler"), "bs=64k"); // until "No space left on device"

            var file = Path.Combine(node.TempDir, "l7.yaml");
            await File.WriteAllTextAsync(file, L7Policy);
            var refused = node.Cli("policy", "import", file);
            var allowedStill = AgentNode.Curl(tiefighter, $"http://{deathstar.Ip}/v1/exhaust-port", 3, "-XPUT");
            var deniedStill = AgentNode.Curl(xwing, $"http://{deathstar.Ip}/", 2);
            var status = node.Cli("status");
            File.Delete(Path.Combine(node.StateDir, "filler"));
            var retried = node.Cli("policy", "import", file);

            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("No space left on device", refused.All, StringComparison.Ordinal);
            Assert.Contains("the policy in force stays", refused.All, StringComparison.Ordinal);
            Assert.Equal(["rule1"], (await node.Client.GetPolicyAsync()).Policies.Select(p => p.Name));
            Assert.Equal(0, allowedStill.ExitCode); // the L3/L4 rule in force: the tiefighter still gets in, unjudged by L7
            Assert.Equal(28, deniedStill.ExitCode); // the xwing still dropped
            Assert.Equal(0, status.ExitCode);
            Assert.Equal(0, retried.ExitCode);
            Assert.Equal("Access denied\r\n", AgentNode.Curl(tiefighter, $"http://{deathstar.Ip}/v1/exhaust-port", 5, "-XPUT").Stdout);
            Assert.Empty(Directory.EnumerateFiles(node.StateDir, "*.tmp"));
        }
        finally
        {
            node.KillAgent();
            if (mountPoint is not null)
            {
                Cmd.Run("umount", "-l", mountPoint);
            }
        }
    }

    [SkippableFact]
    public async Task BpfPinsRemoved_RunningAgent_RecreatedReportedAndStillEnforcing()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
        var tiefighter = node.CreatePod("tiefighter", "org=empire,class=tiefighter");
        var xwing = node.CreatePod("xwing", "org=alliance,class=xwing");
        using var server = node.Serve(deathstar, 80);
        await ImportAsync(node, "rule1.yaml", NodeLifecycleTests.L3L4Policy);
        var pinsBefore = Directory.EnumerateFiles(node.BpfRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("cl7_policy", pinsBefore);

        foreach (var pin in Directory.EnumerateFiles(node.BpfRoot))
        {
            File.Delete(pin);
        }
        var deniedMeanwhile = AgentNode.Curl(xwing, $"http://{deathstar.Ip}/", 2);
        var recreated = await AgentNode.EventuallyAsync(
            () => Task.FromResult(pinsBefore.All(p => File.Exists(Path.Combine(node.BpfRoot, p!)))), TimeSpan.FromSeconds(15));
        var status = await node.Client.GetStatusAsync();
        // The re-created pins are the live maps: a policy change made now reaches the datapath, and a restart finds it.
        await ImportAsync(node, "l7.yaml", L7Policy);
        var deniedByL7 = AgentNode.Curl(tiefighter, $"http://{deathstar.Ip}/v1/exhaust-port", 5, "-XPUT");
        node.KillAgent();
        await node.StartAgentAsync();
        var deniedAfterRestart = AgentNode.Curl(xwing, $"http://{deathstar.Ip}/", 2);
        var allowedAfterRestart = AgentNode.Curl(tiefighter, $"http://{deathstar.Ip}/v1/request-landing", 5, "-XPOST");

        Assert.Equal(28, deniedMeanwhile.ExitCode); // enforcement never depended on the pins
        Assert.True(recreated, "pins not re-created: " + string.Join(",", Directory.EnumerateFiles(node.BpfRoot).Select(Path.GetFileName)) + "\n" + node.AgentLog);
        Assert.Contains("re-created", status.Datapath.Message ?? "", StringComparison.Ordinal);
        Assert.Contains("bpffs pins", node.AgentLog, StringComparison.Ordinal);
        Assert.Equal("Access denied\r\n", deniedByL7.Stdout);
        Assert.Equal(28, deniedAfterRestart.ExitCode);
        Assert.True(allowedAfterRestart.ExitCode == 0, allowedAfterRestart.All);
    }

    private static async Task ImportAsync(AgentNode node, string name, string yaml)
    {
        var file = Path.Combine(node.TempDir, name);
        await File.WriteAllTextAsync(file, yaml);
        var r = node.Cli("policy", "import", file);
        Assert.True(r.ExitCode == 0, r.All);
    }

    /// <summary>The CLI in the node netns as a process of its own, to kill the agent while it waits for an answer.</summary>
    private static Process StartCli(AgentNode node, params string[] args)
    {
        var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--net=" + node.NodeNetnsPath, AgentNode.Bin("ciliuml7"), "-H", "unix://" + node.Socket }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi)!;
    }
}
