using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.Client;
using CiliumL7.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary>
/// toFQDNs end to end: the real agent, eBPF datapath and DNS proxy; dnsmasq and an
/// HTTP server in a "world" namespace (198.51.100.53 and 203.0.113.10-12); dig and
/// curl in a pod. Nothing is allowed before the answer, the first connect right
/// after it works, CNAME targets count, expiry drops, a kill -9 keeps what was learned.
/// </summary>
public sealed class FqdnEndToEndTests(ITestOutputHelper output)
{
    private const string Policy = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: to-api, namespace: default}
        spec:
          endpointSelector: {matchLabels: {class: tiefighter}}
          egress:
          - toCIDR: [198.51.100.53/32]
            toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*.empire.test"}, {matchPattern: "*.load.empire.test"}]}}]
          - toFQDNs: [{matchName: api.empire.test}, {matchName: www.empire.test}, {matchName: short.empire.test}, {matchPattern: "*.load.empire.test"}]
            toPorts: [{ports: [{port: "80", protocol: TCP}, {port: "7000", protocol: TCP}]}]
        """;

    private const int MetricsPort = 9964;

    [SkippableFact]
    public async Task ToFqdns_RealDnsmasqAndCurl_AllowedOnlyAfterAnswerUntilExpiryAndAcrossRestart()
    {
        await using var node = await AgentNode.StartAsync(output, ["--hubble-metrics-server", "127.0.0.1:" + MetricsPort]);
        var pod = node.CreatePod("tiefighter", "org=empire,class=tiefighter");
        var world = node.CreateWorld();
        foreach (var address in WorldAddresses.Concat(LoadNames.Take(FirstConnectNames).Select(n => n.Address)))
        {
            Cmd.Check("ip", "-n", world.NetnsName, "addr", "add", address + "/32", "dev", "lo");
        }
        Cmd.Check("ip", "-n", node.NodeNetns, "route", "add", "198.51.100.0/24", "via", "192.0.2.2");
        Cmd.Check("ip", "-n", node.NodeNetns, "route", "add", "203.0.113.0/24", "via", "192.0.2.2");
        node.Serve(world, 80);
        using var echo = EchoServer.Start(world.NetnsPath, 7000);
        using var dnsmasq = Process.Start(new ProcessStartInfo("nsenter",
        [
            "--net=" + world.NetnsPath, "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces",
            "--listen-address=198.51.100.53", "--port=53", "--user=root", "--pid-file=", "--local-ttl=3600",
            "--host-record=api.empire.test,203.0.113.10,2001:db8::10", "--host-record=edge.cdn.test,203.0.113.11",
            "--cname=www.empire.test,edge.cdn.test", "--host-record=short.empire.test,203.0.113.12,2",
            .. LoadNames.Select(n => $"--host-record={n.Name},{n.Address}"),
        ]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            var file = Path.Combine(node.TempDir, "to-api.yaml");
            await File.WriteAllTextAsync(file, Policy);
            Assert.True(node.Cli("policy", "import", file).ExitCode == 0, node.AgentLog);
            Assert.True(await AgentNode.EventuallyAsync(async () =>
                (await node.Client.GetEndpointAsync(pod.Endpoint.Id.ToString(CultureInfo.InvariantCulture))) is { PolicyEgressEnforced: true }), node.AgentLog);

            // :: before any answer: dropped
            Assert.Equal(28, AgentNode.Curl(pod, "http://203.0.113.10/", 2).ExitCode);

            // :: the first connect right after the answer never races the datapath
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(0, node.Cli("fqdn", "cache", "clean").ExitCode);
                Assert.Equal("203.0.113.10", Dig(pod, "api.empire.test"));
                var curl = AgentNode.Curl(pod, "http://203.0.113.10/", 3);
                Assert.True(curl.ExitCode == 0, $"attempt {i}: curl exit {curl.ExitCode}\n{node.AgentLog}");
            }
            Assert.Equal(28, AgentNode.Curl(pod, "http://203.0.113.10:8080/", 2).ExitCode); // only the rule's port

            // :: a CNAME chain: the query name selects the final address
            Assert.Equal(28, AgentNode.Curl(pod, "http://203.0.113.11/", 2).ExitCode);
            Assert.Contains("203.0.113.11", Dig(pod, "www.empire.test"), StringComparison.Ordinal);
            Assert.Equal(0, AgentNode.Curl(pod, "http://203.0.113.11/", 3).ExitCode);

            // :: AAAA answers are learned too
            Assert.Equal("2001:db8::10", Dig(pod, "api.empire.test", "AAAA"));
            var list = node.Cli("fqdn", "cache", "list", "-o", "json");
            var rows = JsonSerializer.Deserialize(list.Stdout, ClientJsonContext.Default.ListFqdnCacheEntryModel)!;
            Assert.Contains(rows, r => r.Fqdn == "api.empire.test." && r.Ips.Contains("2001:db8::10") && r.Ips.Contains("203.0.113.10"));
            Assert.Contains(rows, r => r.Fqdn == "edge.cdn.test." && r.Ips.Contains("203.0.113.11"));

            // :: expiry (TTL 2 s): allowed, then new connections dropped while an open one keeps working
            Assert.Equal("203.0.113.12", Dig(pod, "short.empire.test"));
            Assert.Equal(0, AgentNode.Curl(pod, "http://203.0.113.12/", 3).ExitCode);
            using (var open = await EchoServer.ConnectAsync(pod.NetnsPath, "203.0.113.12", 7000))
            {
                Assert.Equal("before expiry", await EchoServer.RoundTripAsync(open, "before expiry"));
                var expired = false;
                for (var i = 0; i < 30 && !expired; i++)
                {
                    // the open connection carries a packet every half second (a live connection, as an app's keep-alive)
                    Assert.Equal("tick " + i, await EchoServer.RoundTripAsync(open, "tick " + i));
                    expired = AgentNode.Curl(pod, "http://203.0.113.12/", 1).ExitCode == 28;
                    await Task.Delay(500);
                }
                Assert.True(expired, "new connections to the expired name were not dropped\n" + node.AgentLog);
                Assert.Equal("after expiry", await EchoServer.RoundTripAsync(open, "after expiry")); // the open connection still works
                Assert.Contains("203.0.113.12", node.Cli("fqdn", "cache", "list").Stdout, StringComparison.Ordinal); // kept for it
            }

            // :: connect right after every answer, across many names: the answer is held until plumbed
            for (var i = 0; i < FirstConnectNames; i++)
            {
                Assert.Equal(LoadNames[i].Address, Dig(pod, LoadNames[i].Name));
                var curl = AgentNode.Curl(pod, $"http://{LoadNames[i].Address}/", 3, "--connect-timeout", "1");
                Assert.True(curl.ExitCode == 0, $"{LoadNames[i].Name}: curl exit {curl.ExitCode} right after the answer\n{node.AgentLog}");
            }
            var held = JsonSerializer.Deserialize(node.Cli("status", "-o", "json").Stdout, ClientJsonContext.Default.StatusModel)!.Fqdn!;
            Assert.True(held.AnswersIncremental >= FirstConnectNames, $"{held.AnswersIncremental} of {held.AnswersPlumbed} answers plumbed incrementally");
            Assert.Equal(0, held.AnswersFailed);

            // :: hold time under load: dnsperf through the proxy, every name new (a datapath write each)
            var queries = Path.Combine(node.TempDir, "queries.txt");
            await File.WriteAllLinesAsync(queries, LoadNames.Select(n => n.Name + " A"));
            var load = await File.ReadAllTextAsync("/proc/loadavg");
            var perf = Cmd.Run("nsenter", ["--net=" + pod.NetnsPath, "dnsperf", "-s", "198.51.100.53", "-d", queries, "-n", "1", "-c", "4", "-t", "2"], TimeSpan.FromSeconds(60));
            output.WriteLine(perf.Stdout);
            var status = JsonSerializer.Deserialize(node.Cli("status", "-o", "json").Stdout, ClientJsonContext.Default.StatusModel)!;
            output.WriteLine($"FQDN hold (loadavg {load.Trim()}): {status.Fqdn!.AnswersPlumbed} answers held ({status.Fqdn.AnswersIncremental} incremental, {status.Fqdn.AnswersFailed} SERVFAIL), p50 {status.Fqdn.HoldP50Ms} ms, p99 {status.Fqdn.HoldP99Ms} ms, max {status.Fqdn.HoldMaxMs} ms");
            Assert.True(status.Fqdn.AnswersPlumbed >= LoadNames.Length / 2, perf.All); // most load names were new answers that were plumbed
            // every hold is also in the agent's histogram (what a Prometheus user graphs), each in one bucket
            var metrics = node.InNode("curl", "-s", "--max-time", "5", $"http://127.0.0.1:{MetricsPort}/metrics").Stdout;
            Assert.Contains($"ciliuml7_fqdn_answer_hold_seconds_count {status.Fqdn.AnswersPlumbed}\n", metrics, StringComparison.Ordinal);
            Assert.Contains($"ciliuml7_fqdn_answer_hold_seconds_bucket{{le=\"+Inf\"}} {status.Fqdn.AnswersPlumbed}\n", metrics, StringComparison.Ordinal);
            Assert.Equal(0, AgentNode.Curl(pod, $"http://{LoadNames[^1].Address}/", 3).ExitCode);

            // :: kill -9 and restart with the DNS server gone: what was learned is still allowed, without
            // a new query, and a connection open across the restart keeps working
            Assert.Equal("203.0.113.10", Dig(pod, "api.empire.test"));
            using var acrossRestart = await EchoServer.ConnectAsync(pod.NetnsPath, "203.0.113.10", 7000);
            Assert.Equal("before restart", await EchoServer.RoundTripAsync(acrossRestart, "before restart"));
            dnsmasq.Kill();
            node.KillAgent();
            Assert.Equal("agent down", await EchoServer.RoundTripAsync(acrossRestart, "agent down")); // the pinned datapath enforces alone
            await node.StartAgentAsync();
            await Task.Delay(1000);
            Assert.True(AgentNode.Curl(pod, "http://203.0.113.10/", 3).ExitCode == 0, node.AgentLog);
            Assert.Equal("after restart", await EchoServer.RoundTripAsync(acrossRestart, "after restart"));
            Assert.Contains("api.empire.test.", node.Cli("fqdn", "cache", "list").Stdout, StringComparison.Ordinal);
            Assert.Equal(28, AgentNode.Curl(pod, "http://203.0.113.11:8080/", 2).ExitCode); // still enforcing after the restart
        }
        finally
        {
            if (!dnsmasq.HasExited)
            {
                dnsmasq.Kill();
            }
            dnsmasq.WaitForExit(5000);
        }
    }

    private static readonly string[] WorldAddresses = ["198.51.100.53", "203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.249"];

    /// <summary>The first load names, resolved one by one with a connect right after each answer.</summary>
    private const int FirstConnectNames = 20;

    /// <summary>300 names, each with its own address (198.51.100.100-249, 203.0.113.100-249).</summary>
    private static readonly (string Name, string Address)[] LoadNames =
        [.. Enumerable.Range(0, 300).Select(i => ($"n{i}.load.empire.test", i < 150 ? $"198.51.100.{100 + i}" : $"203.0.113.{100 + i - 150}"))];

    private static string Dig(TestPod pod, string name, string type = "A")
    {
        var r = Cmd.Run("nsenter", ["--net=" + pod.NetnsPath, "dig", "+short", "+time=2", "+tries=1", "@198.51.100.53", name, type], TimeSpan.FromSeconds(15));
        return r.Stdout.Trim().Split('\n')[^1].Trim();
    }
}
