using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.TestSupport;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Connectivity;

/// <summary>
/// <c>ciliuml7 connectivity test</c> (bin/ciliuml7) against a fresh real agent in its own node netns:
/// every test green with its flows, a failure reported with exit 1 and the flows seen, and a
/// Ctrl-C that still removes everything the run made.
/// </summary>
public sealed partial class ConnectivityRunTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task ConnectivityTest_FreshAgent_AllTestsGreenAndNothingLeft()
    {
        await using var node = await StartNodeAsync();
        var junit = Path.Combine(node.TempDir, "junit.xml");
        var r = Run(node, ["connectivity", "test", "--junit-file", junit]);
        output.WriteLine(r.All);

        var lines = r.Stdout.TrimEnd().Split('\n');
        Assert.True(r.ExitCode == 0, r.All + "\nagent log:\n" + node.AgentLog);
        Assert.Matches(@"^✅ All (\d+) tests \((\d+) actions\) successful, (\d+) tests skipped$", lines[^1]);
        var m = SummaryRegex().Match(lines[^1]);
        Assert.True(int.Parse(m.Groups[1].Value) >= 25, lines[^1]);
        Assert.Contains("⏭️", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("DNS server yet", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Kafka broker yet", r.Stdout, StringComparison.Ordinal);

        var suite = XDocument.Load(junit).Root!.Element("testsuite")!;
        Assert.Equal("0", suite.Attribute("failures")!.Value);
        Assert.True(suite.Elements("testcase").Count() >= 30);
        await AssertNothingLeftAsync(node, r.Stdout);
    }

    [SkippableFact]
    public async Task ConnectivityTest_DnsAndKafka_DigAndKcatOutcomesCheckedInFlows()
    {
        await using var node = await StartNodeAsync();
        var r = Run(node, ["connectivity", "test", "--test", "dns,fqdn,kafka", "-o", "json"]);
        output.WriteLine(r.All);
        Assert.True(r.ExitCode == 0, r.All + "\nagent log:\n" + node.AgentLog);
        using var report = JsonDocument.Parse(r.Stdout);
        var results = report.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["dns-only", "to-fqdns", "client-egress-l7-fqdn", "client-egress-kafka-produce", "client-egress-kafka-consume"],
            results.Select(t => t.GetProperty("name").GetString()));
        var actions = results.SelectMany(t => t.GetProperty("actions").EnumerateArray()).ToDictionary(
            a => a.GetProperty("name").GetString() + "@" + a.GetProperty("from").GetString(), a => a);
        string Flows(string key) => string.Join("\n", actions[key].GetProperty("flows").EnumerateArray().Select(f => f.GetString()));

        // Every action ran its real client and its flows were checked.
        Assert.All(actions.Values, a => Assert.True(a.GetProperty("passed").GetBoolean() && a.GetProperty("flows").GetArrayLength() > 0, a.ToString()));
        Assert.StartsWith("ip netns exec cl7ct-", actions["dns-denied-name@Client"].GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Contains(" dig @198.51.100.53 ", actions["dns-denied-name@Client"].GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Contains("dns-request proxy DROPPED (DNS Query world2.connectivity.ciliuml7.test. A)", Flows("dns-denied-name@Client"), StringComparison.Ordinal);
        Assert.Contains("dns-request proxy FORWARDED (DNS Query world.connectivity.ciliuml7.test. A)", Flows("dns-allowed-name@Client"), StringComparison.Ordinal);
        Assert.Contains("Policy denied DROPPED", Flows("pod-to-world-before-resolving@Client"), StringComparison.Ordinal);
        Assert.Contains("policy-verdict:L3-L4 EGRESS ALLOWED", Flows("pod-to-world-after-resolving@Client"), StringComparison.Ordinal);
        Assert.Contains("http-request FORWARDED", Flows("pod-to-world-l7-allowed@Client"), StringComparison.Ordinal);
        Assert.Contains("http-request DROPPED", Flows("pod-to-world-l7-denied@Client"), StringComparison.Ordinal);
        Assert.Contains("Policy denied DROPPED", Flows("pod-to-unlisted-name-address@Client"), StringComparison.Ordinal);
        Assert.Contains(" kcat -b ", actions["produce-denied-topic@Client"].GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Matches(@"kafka-request DROPPED \(Kafka request (metadata|produce) correlation id \d+ topic 'denied-topic'\)", Flows("produce-denied-topic@Client"));
        Assert.Matches(@"kafka-request FORWARDED \(Kafka request produce correlation id \d+ topic 'allowed-topic'\)", Flows("produce-allowed-topic@Client"));
        Assert.Matches(@"kafka-request FORWARDED \(Kafka request fetch correlation id \d+ topic 'allowed-topic'\)", Flows("consume-allowed-topic@Client2"));
        Assert.Matches(@"kafka-request DROPPED \(Kafka request produce correlation id \d+ topic 'allowed-topic'\)", Flows("produce-allowed-topic@Client2"));
        Assert.Empty(await node.Client.ListFqdnCacheAsync()); // the names the run resolved are forgotten
        await AssertNothingLeftAsync(node, r.Stderr);
    }

    [SkippableFact]
    public async Task ConnectivityTest_DenyPolicyAlreadyInTestNamespace_FailsWithExpectedActualAndFlows()
    {
        await using var node = await StartNodeAsync();
        // A deny rule the run does not know about: client2 can no longer reach the echo pod.
        var policy = Path.Combine(node.TempDir, "deny.yaml");
        await File.WriteAllTextAsync(policy, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: sabotage
              namespace: ciliuml7-test
            spec:
              endpointSelector:
                matchLabels: {kind: echo}
              ingress:
              - fromEntities: [all]
              ingressDeny:
              - fromEndpoints:
                - matchLabels: {other: client}
            """);
        Assert.Equal(0, node.Cli("policy", "import", policy).ExitCode);
        var junit = Path.Combine(node.TempDir, "junit.xml");
        var r = Run(node, ["connectivity", "test", "--test", "^no-policies$", "-o", "json", "--junit-file", junit]);
        output.WriteLine(r.All);

        Assert.Equal(1, r.ExitCode);
        using var report = JsonDocument.Parse(r.Stdout);
        var root = report.RootElement;
        Assert.False(root.GetProperty("success").GetBoolean());
        Assert.Equal(1, root.GetProperty("failed").GetInt32());
        Assert.StartsWith("❌ 1/1 tests failed (1/", root.GetProperty("summary").GetString(), StringComparison.Ordinal);
        var failed = root.GetProperty("results")[0].GetProperty("actions").EnumerateArray().Single(a => !a.GetProperty("passed").GetBoolean());
        Assert.Equal("pod-to-pod-client2", failed.GetProperty("name").GetString());
        Assert.Equal(28, failed.GetProperty("exitCode").GetInt32());
        Assert.Contains("curl", failed.GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Contains(failed.GetProperty("failures").EnumerateArray(), f => f.GetString()!.Contains("expected exit 0", StringComparison.Ordinal));
        Assert.Contains(failed.GetProperty("flows").EnumerateArray(), f => f.GetString()!.Contains("Policy denied by denylist DROPPED", StringComparison.Ordinal) || f.GetString()!.Contains("DROPPED", StringComparison.Ordinal));
        Assert.Equal("1", XDocument.Load(junit).Root!.Element("testsuite")!.Attribute("failures")!.Value);
        await AssertNothingLeftAsync(node, r.Stderr);
    }

    [SkippableFact]
    public async Task ConnectivityTest_Interrupted_RemovesEverythingItMade()
    {
        await using var node = await StartNodeAsync();
        // A process started with SIGINT ignored (a suite launched in the background by a shell without job control
        // passes that on) keeps ignoring it: .NET respects an inherited SIG_IGN and installs no handler, so Ctrl-C
        // would be lost and the run would finish with exit 0. Start the run with SIGINT at its default, as a shell's
        // foreground job has it.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=INT", "nsenter", "--net=" + node.NodeNetnsPath, AgentNode.Bin("ciliuml7"), "-H", "unix://" + node.Socket, "connectivity", "test" })
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var stdout = new System.Text.StringBuilder();
        var started = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }
            if (e.Data?.StartsWith("✅ [2/", StringComparison.Ordinal) == true)
            {
                started.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Assert.True(await Task.WhenAny(started.Task, Task.Delay(TimeSpan.FromSeconds(120))) == started.Task, "the run did not get to its second test");
            // Mid-run, with the third test's policy being imported or in force: Ctrl-C.
            await Task.Delay(1500);
            Assert.True(CatchesSigint(process.Id), "the run does not catch SIGINT: " + File.ReadAllText($"/proc/{process.Id}/status"));
            Assert.Equal(0, Cmd.Run("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExitCode);
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(90)), "the run did not finish after SIGINT");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        process.WaitForExit();
        var text = stdout.ToString();
        output.WriteLine(text);
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("🛑 Interrupted", text, StringComparison.Ordinal);
        Assert.Contains("(interrupted)", text.TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
        await AssertNothingLeftAsync(node, text);
    }

    /// <summary>True when the process has a handler for SIGINT (bit 2 of SigCgt in /proc/PID/status).</summary>
    private static bool CatchesSigint(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["SigCgt:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        return (mask & (1UL << (2 - 1))) != 0;
    }

    private static async Task<AgentNode> StartNodeAsync()
    {
        Privileged.Require();
        var node = await AgentNode.StartAsync();
        // The node's own address (host-to-pod needs a source address in the node netns).
        Cmd.Check("ip", "-n", node.NodeNetns, "addr", "add", $"172.31.{Random.Shared.Next(1, 250)}.1/32", "dev", "lo");
        return node;
    }

    private static Cmd.Result Run(AgentNode node, string[] args) =>
        Cmd.Run("nsenter", ["--net=" + node.NodeNetnsPath, AgentNode.Bin("ciliuml7"), "-H", "unix://" + node.Socket, .. args], TimeSpan.FromMinutes(8));

    private static async Task AssertNothingLeftAsync(AgentNode node, string text)
    {
        var id = NetnsRegex().Match(text);
        Assert.True(id.Success, "no netns named in the output:\n" + text);
        var netns = Cmd.Run("ip", ["netns", "list"]).Stdout;
        Assert.DoesNotContain("cl7ct-" + id.Groups[1].Value, netns, StringComparison.Ordinal);
        var endpoints = await node.Client.ListEndpointsAsync();
        Assert.DoesNotContain(endpoints, e => e.Namespace == "ciliuml7-test");
        var policy = await node.Client.GetPolicyAsync();
        Assert.DoesNotContain(policy.Policies, p => p.Namespace == "ciliuml7-test");
        Assert.DoesNotContain("198.51.100", Cmd.Run("ip", ["-n", node.NodeNetns, "route"]).Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("echo-same-node", node.Cli("service", "list").Stdout, StringComparison.Ordinal);
        // The DNS server and the Kafka broker (with its relays) are stopped: no process of theirs is left.
        Assert.Empty(RunProcesses());
    }

    /// <summary>Processes a connectivity run starts besides its echo servers (dnsmasq with the test names; the mock broker with the test topics).</summary>
    private static List<string> RunProcesses()
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("/world.connectivity.ciliuml7.test/", StringComparison.Ordinal)
                    || cmdline.Contains("ciliuml7-kafka-mock allowed-topic denied-topic", StringComparison.Ordinal))
                {
                    found.Add(Path.GetFileName(dir) + ": " + cmdline);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    [GeneratedRegex(@"^✅ All (\d+) tests")]
    private static partial Regex SummaryRegex();

    [GeneratedRegex(@"netns cl7ct-([0-9a-f]{6})-")]
    private static partial Regex NetnsRegex();
}
