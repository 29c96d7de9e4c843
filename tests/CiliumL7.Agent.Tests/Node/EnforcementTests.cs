using System.Text.Json;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.Client.Models;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary>
/// The tutorial's policies enforced by the real datapath and proxy: a node
/// netns running the agent, deathstar / tiefighter / xwing pods through the
/// CNI plugin, curl as the client.
/// </summary>
public sealed class EnforcementTests
{
    private const int PolicyDenied = 133;
    private const int PolicyDeny = 181;
    private readonly ITestOutputHelper _output;

    public EnforcementTests(ITestOutputHelper output) => _output = output;

    private sealed record World(AgentNode Node, TestPod Deathstar, TestPod Tiefighter, TestPod Xwing, PodServer Server) : IAsyncDisposable
    {
        public string Url(string path = "/") => $"http://{Deathstar.Ip}{path}";

        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private async Task<World> StartWorldAsync(params string[] agentArgs)
    {
        var node = await AgentNode.StartAsync(_output, agentArgs);
        try
        {
            var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
            var tiefighter = node.CreatePod("tiefighter", "org=empire,class=tiefighter");
            var xwing = node.CreatePod("xwing", "org=alliance,class=xwing");
            return new World(node, deathstar, tiefighter, xwing, node.Serve(deathstar, 80));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }


    private static async Task ImportAsync(World w, string name, string yaml, TestPod? selected = null)
    {
        var file = Path.Combine(w.Node.TempDir, name);
        await File.WriteAllTextAsync(file, yaml);
        var r = w.Node.Cli("policy", "import", file);
        Assert.True(r.ExitCode == 0, r.All);
        await WaitForEnforcementAsync(w, selected);
    }

    private static async Task WaitForEnforcementAsync(World w, TestPod? selected = null)
    {
        // The regeneration after an import is debounced; the map state is in place once the
        // selected endpoint reports enforcement (set after its policy map was written).
        var pod = selected ?? w.Deathstar;
        Assert.True(await AgentNode.EventuallyAsync(async () =>
            (await w.Node.Client.GetEndpointAsync(pod.Endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))) is { } e
            && (e.PolicyIngressEnforced || e.PolicyEgressEnforced)), w.Node.AgentLog);
        await Task.Delay(300);
    }

    [SkippableFact]
    public async Task L3L4Policy_Tutorial_XwingTimesOutWithPolicyDeniedAndTiefighterLands()
    {
        await using var w = await StartWorldAsync();
        var xwingBefore = AgentNode.Curl(w.Xwing, w.Url("/v1/request-landing"), 5, "-XPOST");
        Assert.True(xwingBefore.ExitCode == 0, "no policy: xwing lands\n" + xwingBefore.All);

        await ImportAsync(w, "sw_l3_l4_policy.yaml", NodeLifecycleTests.L3L4Policy);
        var tiefighter = AgentNode.Curl(w.Tiefighter, w.Url("/v1/request-landing"), 5, "-XPOST");
        var xwing = AgentNode.Curl(w.Xwing, w.Url("/v1/request-landing"), 3, "-XPOST");

        Assert.True(tiefighter.ExitCode == 0, tiefighter.All);
        Assert.Equal("Ship landed\n", tiefighter.Stdout);
        Assert.Equal(28, xwing.ExitCode);
        Assert.True(await AgentNode.EventuallyAsync(async () => FindDrop(await w.Node.Client.GetDropsAsync(), w.Xwing, w.Deathstar, PolicyDenied) is not null), w.Node.AgentLog);
        var drop = FindDrop(await w.Node.Client.GetDropsAsync(), w.Xwing, w.Deathstar, PolicyDenied)!;
        Assert.Equal("POLICY_DENIED", drop.ReasonName);
        Assert.Equal(w.Xwing.Endpoint.Identity, drop.SourceIdentity);
        Assert.Equal(w.Deathstar.Endpoint.Identity, drop.DestinationIdentity);
        Assert.Equal(80, drop.DestinationPort);
        Assert.Equal("ingress", drop.Direction);
        Assert.Null(FindDrop(await w.Node.Client.GetDropsAsync(), w.Tiefighter, w.Deathstar, PolicyDenied));

        // Hubble shows the drop at the deathstar ingress, with both pods named.
        var observe = Observe(w, "--verdict", "DROPPED");
        Assert.True(observe.ExitCode == 0, observe.All);
        var line = observe.Stdout.Split('\n').FirstOrDefault(l => l.Contains("POLICY_DENIED", StringComparison.Ordinal) && l.Contains(w.Xwing.Ip, StringComparison.Ordinal));
        Assert.True(line is not null, observe.All);
        Assert.Contains("\"deathstar\"", line, StringComparison.Ordinal);
        Assert.Contains("INGRESS", line, StringComparison.Ordinal);

        // The tiefighter's new connection: a policy-verdict flow FORWARDED at the deathstar ingress, allowed by rule1.
        var verdicts = Observe(w, "--type", "policy-verdict");
        Assert.True(verdicts.ExitCode == 0, verdicts.All);
        var verdict = FindFlow(verdicts.Stdout, w.Tiefighter, w.Deathstar);
        Assert.True(verdict is not null, verdicts.All + w.Node.AgentLog);
        var v = verdict.Value;
        Assert.Equal("FORWARDED", v.GetProperty("verdict").GetString());
        Assert.Equal("L3_L4", v.GetProperty("Type").GetString());
        Assert.Equal(5, v.GetProperty("event_type").GetProperty("type").GetInt32());
        Assert.Equal("INGRESS", v.GetProperty("traffic_direction").GetString());
        Assert.Equal(2, v.GetProperty("policy_match_type").GetInt32()); // L3-L4: identity + port
        var allowedBy = v.GetProperty("ingress_allowed_by")[0];
        Assert.Equal(("rule1", "default", "CiliumNetworkPolicy"), (allowedBy.GetProperty("name").GetString(), allowedBy.GetProperty("namespace").GetString(), allowedBy.GetProperty("kind").GetString()));
        Assert.Equal(80, v.GetProperty("l4").GetProperty("TCP").GetProperty("destination_port").GetInt32());
        Assert.Null(FindFlow(verdicts.Stdout, w.Xwing, w.Deathstar));
    }

    private static JsonElement? FindFlow(string jsonLines, TestPod from, TestPod to)
    {
        foreach (var line in jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.TryGetProperty("flow", out var flow) && flow.TryGetProperty("IP", out var ip)
                && ip.GetProperty("source").GetString() == from.Ip && ip.GetProperty("destination").GetString() == to.Ip)
            {
                return flow.Clone();
            }
        }
        return null;
    }

    private static Cmd.Result Observe(World w, params string[] args) =>
        Cmd.Run(AgentNode.Bin("ciliuml7"), ["observe", "--server", "unix://" + Path.Combine(w.Node.StateDir, "hubble.sock"), "--last", "100", "-o", "json", .. args], TimeSpan.FromSeconds(30));

    [SkippableFact]
    public async Task IngressDeny_FromAlliance_DropsWithPolicyDenyWhileOthersPass()
    {
        await using var w = await StartWorldAsync();

        await ImportAsync(w, "deny.yaml", """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: deny-alliance
            spec:
              endpointSelector:
                matchLabels:
                  class: deathstar
              ingress:
              - fromEndpoints:
                - {}
              ingressDeny:
              - fromEndpoints:
                - matchLabels:
                    org: alliance
                toPorts:
                - ports:
                  - port: "80"
                    protocol: TCP
            """);
        var tiefighter = AgentNode.Curl(w.Tiefighter, w.Url(), 5);
        var xwing = AgentNode.Curl(w.Xwing, w.Url(), 3);

        Assert.True(tiefighter.ExitCode == 0, tiefighter.All);
        Assert.Equal(28, xwing.ExitCode);
        Assert.True(await AgentNode.EventuallyAsync(async () => FindDrop(await w.Node.Client.GetDropsAsync(), w.Xwing, w.Deathstar, PolicyDeny) is not null), w.Node.AgentLog);

        // Hubble: the drop names the deny policy in ingress_denied_by; the tiefighter's verdict names it as allowing.
        var observe = Observe(w, "--verdict", "DROPPED");
        Assert.True(observe.ExitCode == 0, observe.All);
        var drop = FindFlow(observe.Stdout, w.Xwing, w.Deathstar);
        Assert.True(drop is not null, observe.All + w.Node.AgentLog);
        Assert.Equal("POLICY_DENY", drop.Value.GetProperty("drop_reason_desc").GetString());
        Assert.Equal("deny-alliance", drop.Value.GetProperty("ingress_denied_by")[0].GetProperty("name").GetString());
        Assert.False(drop.Value.TryGetProperty("ingress_allowed_by", out _), drop.Value.ToString());
        var verdicts = Observe(w, "--type", "policy-verdict", "--verdict", "FORWARDED");
        var allowed = FindFlow(verdicts.Stdout, w.Tiefighter, w.Deathstar);
        Assert.True(allowed is not null, verdicts.All);
        Assert.Equal("deny-alliance", allowed.Value.GetProperty("ingress_allowed_by")[0].GetProperty("name").GetString());
    }

    [SkippableFact]
    public async Task L7Policy_ExhaustPortPut_GetsAccessDeniedAndLandingPasses()
    {
        const int MetricsPort = 19962; // in the node's own netns: no collision with other runs
        var exportFile = Path.Combine(Path.GetTempPath(), "ciliuml7-export-" + Guid.NewGuid().ToString("N"), "events.log");
        using var cleanupExport = new DirectoryCleanup(Path.GetDirectoryName(exportFile)!);
        await using var w = await StartWorldAsync(
            "--hubble-metrics-server", "127.0.0.1:" + MetricsPort,
            "--hubble-flow-buffer-size", "8191",
            "--hubble-export-file-path", exportFile,
            "--hubble-export-allowlist", """[{"protocol":["http"]}]""",
            "--proxy-redact-header-values");

        await ImportAsync(w, "sw_l3_l4_l7_policy.yaml", NodeLifecycleTests.L7Policy);
        var status = await w.Node.Client.GetStatusAsync();
        var landing = AgentNode.Curl(w.Tiefighter, w.Url("/v1/request-landing"), 5, "-XPOST");
        var exhaust = AgentNode.Curl(w.Tiefighter, w.Url("/v1/exhaust-port"), 5, "-XPUT", "-i");
        var xwing = AgentNode.Curl(w.Xwing, w.Url("/v1/request-landing"), 3, "-XPOST");

        var redirect = Assert.Single(status.Proxy.Redirects);
        Assert.Equal((w.Deathstar.Endpoint.Id, "ingress", 80), (redirect.EndpointId, redirect.Direction, redirect.Port));
        Assert.True(landing.ExitCode == 0, landing.All + w.Node.AgentLog);
        Assert.Equal("Ship landed\n", landing.Stdout);
        Assert.Equal(0, exhaust.ExitCode);
        Assert.StartsWith("HTTP/1.1 403", exhaust.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nAccess denied\r\n", exhaust.Stdout, StringComparison.Ordinal);
        Assert.Equal(28, xwing.ExitCode);

        // Hubble: the denied request (DROPPED) and its 403 response; --http-status 403 selects the response only.
        var observe = Observe(w, "--http-status", "403");
        Assert.True(observe.ExitCode == 0, observe.All);
        var selected = observe.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var only = Assert.Single(selected);
        using var onlyJson = JsonDocument.Parse(only);
        var flow = onlyJson.RootElement.GetProperty("flow");
        Assert.Equal(403, flow.GetProperty("l7").GetProperty("http").GetProperty("code").GetInt32());
        Assert.EndsWith("/v1/exhaust-port", flow.GetProperty("l7").GetProperty("http").GetProperty("url").GetString(), StringComparison.Ordinal);

        // Metrics on --hubble-metrics-server, scraped inside the node netns: the 403 counted from the
        // response flow (hubble_*) and the deny counted by the proxy (cilium_policy_l7_total).
        var metrics = "";
        var counted = await AgentNode.EventuallyAsync(() =>
        {
            metrics = w.Node.InNode("curl", "-s", "--max-time", "5", $"http://127.0.0.1:{MetricsPort}/metrics").Stdout;
            return Task.FromResult(SampleValue(metrics, "hubble_http_requests_total", "status=\"403\"") >= 1
                && SampleValue(metrics, "cilium_policy_l7_total", "rule=\"denied\",proxy_type=\"http\"") >= 1);
        });
        Assert.True(counted, metrics + w.Node.AgentLog);
        Assert.True(SampleValue(metrics, "cilium_policy_l7_total", "rule=\"forwarded\",proxy_type=\"http\"") >= 1, metrics);
        // Both requests are plain HTTP/1.1: the fast path (on by default) served them, Kestrel none.
        var received = SampleValue(metrics, "cilium_policy_l7_total", "rule=\"received\",proxy_type=\"http\"");
        Assert.Equal(received, SampleValue(metrics, "ciliuml7_proxy_http_requests_total", "path=\"fast\""));
        Assert.Equal(0, SampleValue(metrics, "ciliuml7_proxy_http_requests_total", "path=\"kestrel\""));
        Assert.Equal(1, SampleValue(metrics, "cilium_proxy_redirects", "protocol=\"http\""));
        Assert.Equal(status.Endpoints, SampleValue(metrics, "cilium_endpoint_count", null));
        Assert.Equal(8191, SampleValue(metrics, "hubble_flows_ring_capacity", null));

        // Export file (allowlist: http only): the DROPPED request and its 403 response, protojson with proto names.
        var exported = new List<JsonElement>();
        Assert.True(await AgentNode.EventuallyAsync(() =>
        {
            exported = ReadExportedFlows(exportFile);
            return Task.FromResult(exported.Any(f => HttpCode(f) == 403));
        }), string.Join('\n', exported) + w.Node.AgentLog);
        Assert.NotEmpty(exported);
        Assert.All(exported, f => Assert.True(f.TryGetProperty("l7", out var l7) && l7.TryGetProperty("http", out _), f.ToString()));
        var request = Assert.Single(exported, f => f.GetProperty("l7").GetProperty("type").GetString() == "REQUEST" && f.GetProperty("l7").GetProperty("http").GetProperty("method").GetString() == "PUT");
        Assert.Equal("DROPPED", request.GetProperty("verdict").GetString());
        Assert.Equal("INGRESS", request.GetProperty("traffic_direction").GetString());
        var headers = request.GetProperty("l7").GetProperty("http").GetProperty("headers").EnumerateArray().ToList();
        Assert.Contains(headers, h => h.GetProperty("key").GetString() == "User-Agent");
        Assert.All(headers, h => Assert.Equal("HIDDEN", h.GetProperty("value").GetString()));
        var response = Assert.Single(exported, f => HttpCode(f) == 403);
        Assert.Equal("RESPONSE", response.GetProperty("l7").GetProperty("type").GetString());

        // ciliuml7 status: the Hubble line (ServerStatus of <state-dir>/hubble.sock), text and JSON.
        var text = w.Node.Cli("status");
        var hubbleLine = text.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("Hubble:", StringComparison.Ordinal));
        Assert.True(hubbleLine is not null, text.All);
        Assert.Matches(@"^Hubble:\s+Ok\s+Current/Max Flows: [1-9][0-9]*/8191 .*Flows/s: ", hubbleLine);
        var json = w.Node.Cli("status", "-o", "json");
        Assert.True(json.ExitCode == 0, json.All);
        using var statusJson = JsonDocument.Parse(json.Stdout);
        var hubble = statusJson.RootElement.GetProperty("hubble");
        Assert.Equal(("Ok", 8191), (hubble.GetProperty("state").GetString(), hubble.GetProperty("maxFlows").GetInt32()));
    }

    private static double SampleValue(string exposition, string name, string? labels)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && (line[name.Length] is ' ' or '{')
                && (labels is null || line.Contains(labels, StringComparison.Ordinal)))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    private static List<JsonElement> ReadExportedFlows(string file)
    {
        var flows = new List<JsonElement>();
        if (!File.Exists(file))
        {
            return flows;
        }
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.TryGetProperty("flow", out var flow))
            {
                flows.Add(flow.Clone());
            }
        }
        return flows;
    }

    private static int HttpCode(JsonElement flow) =>
        flow.TryGetProperty("l7", out var l7) && l7.TryGetProperty("http", out var http) && http.TryGetProperty("code", out var code) ? code.GetInt32() : 0;

    private sealed class DirectoryCleanup(string path) : IDisposable
    {
        public void Dispose()
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }

    [SkippableFact]
    public async Task L7Redirect_ClientReusesPortWhileProxyHoldsTimeWait_ConnectsWithoutSynRetransmit()
    {
        await using var w = await StartWorldAsync();
        await ImportAsync(w, "sw_l3_l4_l7_policy.yaml", NodeLifecycleTests.L7Policy);
        // One client port for every connection. The client sends `Connection: close` and reads
        // until the proxy closes, so the proxy always closes first: its accepted socket
        // (deathstar:80 <- tiefighter:port) waits in TIME_WAIT on the node while the client
        // (no TIME_WAIT of its own) is free to reuse the port at once.
        var port = Random.Shared.Next(40000, 50000);
        const string Landing = "POST /v1/request-landing HTTP/1.1\r\nHost: deathstar\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        const string Exhaust = "PUT /v1/exhaust-port HTTP/1.1\r\nHost: deathstar\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

        var first = await ExchangeUntilServerClosesAsync(w, port, Landing);
        Assert.EndsWith("\r\n\r\nShip landed\n", first, StringComparison.Ordinal);
        var timeWait = w.Node.InNode("ss", "-Htan", "state", "time-wait", "src", w.Deathstar.Ip + ":80", "dst", w.Tiefighter.Ip + ":" + port);
        Assert.True(timeWait.Stdout.Contains(w.Tiefighter.Ip + ":" + port, StringComparison.Ordinal), "the node holds no TIME_WAIT for the first connection, nothing to test: " + timeWait.All);

        var retransmitsBefore = SynRetransmits(w.Tiefighter);
        var second = await ExchangeUntilServerClosesAsync(w, port, Landing);
        var denied = await ExchangeUntilServerClosesAsync(w, port, Exhaust);
        var retransmitsAfter = SynRetransmits(w.Tiefighter);

        Assert.EndsWith("\r\n\r\nShip landed\n", second, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 403", denied, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nAccess denied\r\n", denied, StringComparison.Ordinal);
        // Without sk-lookup the node drops such a SYN and the client retransmits it after 1 s.
        Assert.Equal(retransmitsBefore, retransmitsAfter);
    }

    /// <summary>From tiefighter's <paramref name="port"/>: connect to deathstar:80, send, read until the server closes.</summary>
    private static async Task<string> ExchangeUntilServerClosesAsync(World w, int port, string request)
    {
        using var socket = PodSocket.CreateTcp(w.Tiefighter.NetnsPath);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(w.Tiefighter.Ip), port));
        await socket.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(w.Deathstar.Ip), 80), deadline.Token);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(request), System.Net.Sockets.SocketFlags.None, deadline.Token);
        var response = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, deadline.Token)) > 0)
        {
            response.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        }
        return response.ToString();
    }

    /// <summary>TcpExtTCPSynRetrans of the pod's network namespace (/proc/net/netstat as seen from it).</summary>
    private static long SynRetransmits(TestPod pod)
    {
        var netstat = Cmd.Check("nsenter", "--net=" + pod.NetnsPath, "cat", "/proc/net/netstat").Split('\n');
        for (var i = 0; i + 1 < netstat.Length; i++)
        {
            if (!netstat[i].StartsWith("TcpExt:", StringComparison.Ordinal))
            {
                continue;
            }
            var names = netstat[i].Split(' ');
            var values = netstat[i + 1].Split(' ');
            var at = Array.IndexOf(names, "TCPSynRetrans");
            Assert.True(at > 0 && at < values.Length, netstat[i]);
            return long.Parse(values[at], System.Globalization.CultureInfo.InvariantCulture);
        }
        Assert.Fail("no TcpExt line in /proc/net/netstat");
        return 0;
    }

    [SkippableFact]
    public async Task L7OnBothSides_EgressAllowsWhatIngressDenies_IngressRulesStillApply()
    {
        await using var w = await StartWorldAsync();
        // deathstar's ingress: only POST /v1/request-landing from empire ships (the tutorial's rule).
        await ImportAsync(w, "sw_l3_l4_l7_policy.yaml", NodeLifecycleTests.L7Policy);
        // tiefighter's egress: its own L7 rules toward deathstar, wider than deathstar's ingress.
        await ImportAsync(w, "tiefighter_egress.yaml", """
            apiVersion: "cilium.io/v2"
            kind: CiliumNetworkPolicy
            metadata:
              name: "tiefighter-egress"
            spec:
              endpointSelector:
                matchLabels:
                  class: tiefighter
              egress:
              - toEndpoints:
                - matchLabels:
                    class: deathstar
                toPorts:
                - ports:
                  - port: "80"
                    protocol: TCP
                  rules:
                    http:
                    - method: "POST"
                      path: "/v1/.*"
                    - method: "PUT"
                      path: "/v1/exhaust-port"
            """, w.Tiefighter);
        var status = await w.Node.Client.GetStatusAsync();

        var landing = AgentNode.Curl(w.Tiefighter, w.Url("/v1/request-landing"), 5, "-XPOST");
        var exhaust = AgentNode.Curl(w.Tiefighter, w.Url("/v1/exhaust-port"), 5, "-XPUT", "-i");
        var egressDenied = AgentNode.Curl(w.Tiefighter, w.Url("/v1/request-landing"), 5, "-XGET", "-i");

        Assert.Equal(2, status.Proxy.Redirects.Count);
        Assert.True(landing.ExitCode == 0 && landing.Stdout == "Ship landed\n", landing.All + w.Node.AgentLog);
        // Allowed by tiefighter's egress, denied by deathstar's ingress: 403, never forwarded.
        Assert.StartsWith("HTTP/1.1 403", exhaust.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nAccess denied\r\n", exhaust.Stdout, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 403", egressDenied.Stdout, StringComparison.Ordinal);
        var flows = w.Node.Cli("observe", "--last", "100", "--http-status", "403", "-o", "json");
        Assert.True(flows.ExitCode == 0, flows.All);
        Assert.Contains("rule1", flows.Stdout, StringComparison.Ordinal);
        Assert.Contains("tiefighter-egress", flows.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task AgentKill9_UnderPolicy_EnforcementUnchangedAndRestartKeepsIt()
    {
        await using var w = await StartWorldAsync();
        await ImportAsync(w, "sw_l3_l4_policy.yaml", NodeLifecycleTests.L3L4Policy);
        var before = await w.Node.Client.ListEndpointsAsync();

        w.Node.KillAgent();
        var tieWhileDown = AgentNode.Curl(w.Tiefighter, w.Url(), 5);
        var xwingWhileDown = AgentNode.Curl(w.Xwing, w.Url(), 3);
        await w.Node.StartAgentAsync();
        await WaitForEnforcementAsync(w);
        var after = await w.Node.Client.ListEndpointsAsync();
        var tieAfter = AgentNode.Curl(w.Tiefighter, w.Url(), 5);
        var xwingAfter = AgentNode.Curl(w.Xwing, w.Url(), 3);

        Assert.True(tieWhileDown.ExitCode == 0, tieWhileDown.All);
        Assert.Equal(28, xwingWhileDown.ExitCode);
        Assert.True(tieAfter.ExitCode == 0, tieAfter.All);
        Assert.Equal(28, xwingAfter.ExitCode);
        Assert.Equal(before.Select(e => (e.Id, e.Identity, e.Ipv4, e.Ifindex)), after.Select(e => (e.Id, e.Identity, e.Ipv4, e.Ifindex)));
        Assert.Contains("(0 had none attached)", w.Node.AgentLog, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task PolicyFile_ReplacedByInvalidVersion_LastGoodVersionKeepsEnforcing()
    {
        await using var w = await StartWorldAsync();
        w.Node.WritePolicyFile("l3l4.yaml", NodeLifecycleTests.L3L4Policy);
        await WaitForEnforcementAsync(w);
        Assert.Equal(28, AgentNode.Curl(w.Xwing, w.Url(), 3).ExitCode);

        // The seed's typo: matchLables. Valid YAML, invalid policy: rejected with the field named.
        w.Node.WritePolicyFile("l3l4.yaml", NodeLifecycleTests.L3L4Policy.Replace("      org: empire\n      class: deathstar", "      org: empire\n      class: deathstar\n    matchLables:\n      x: y", StringComparison.Ordinal));
        Assert.True(await AgentNode.EventuallyAsync(async () => (await w.Node.Client.GetStatusAsync()).PolicyErrors.Count == 1), w.Node.AgentLog);
        var error = Assert.Single((await w.Node.Client.GetStatusAsync()).PolicyErrors);
        var xwing = AgentNode.Curl(w.Xwing, w.Url(), 3);
        var tiefighter = AgentNode.Curl(w.Tiefighter, w.Url(), 5);

        Assert.Contains(error.Errors, e => e.Contains("matchLables", StringComparison.Ordinal));
        Assert.Equal(28, xwing.ExitCode);
        Assert.True(tiefighter.ExitCode == 0, tiefighter.All);
    }

    [SkippableFact]
    public async Task EgressDefaultDeny_OnServer_RepliesStillPass()
    {
        await using var w = await StartWorldAsync();

        // deathstar: ingress from empire on 80, egress only to xwing's class (so its egress is default-deny for tiefighter).
        await ImportAsync(w, "egress.yaml", NodeLifecycleTests.L3L4Policy + "\n" + """
              egress:
              - toEndpoints:
                - matchLabels:
                    class: nothing-has-this
            """);
        var endpoint = await w.Node.Client.GetEndpointAsync("deathstar");
        var tiefighter = AgentNode.Curl(w.Tiefighter, w.Url(), 5);
        var outbound = AgentNode.Curl(w.Deathstar, $"http://{w.Tiefighter.Ip}:81/", 3);

        Assert.True(endpoint!.PolicyEgressEnforced);
        Assert.True(tiefighter.ExitCode == 0, "the reply of an allowed connection passes egress default-deny\n" + tiefighter.All);
        Assert.Equal(28, outbound.ExitCode);
    }

    [SkippableFact]
    public async Task IcmpRule_EchoFromEmpireOnly_PingPassesForTiefighterOnly()
    {
        await using var w = await StartWorldAsync();
        Assert.True(PodPing.Ping(w.Xwing, w.Deathstar.Ip), "no policy: xwing pings");

        await ImportAsync(w, "icmp.yaml", """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: icmp-from-empire
            spec:
              endpointSelector:
                matchLabels:
                  class: deathstar
              ingress:
              - fromEndpoints:
                - matchLabels:
                    org: empire
                icmps:
                - fields:
                  - type: 8
                    family: IPv4
            """);
        var tiefighter = PodPing.Ping(w.Tiefighter, w.Deathstar.Ip);
        var xwing = PodPing.Ping(w.Xwing, w.Deathstar.Ip);
        var tcp = AgentNode.Curl(w.Tiefighter, w.Url(), 3);

        Assert.True(tiefighter, w.Node.AgentLog);
        Assert.False(xwing);
        Assert.Equal(28, tcp.ExitCode);
    }

    [SkippableFact]
    public async Task KafkaRedirect_HttpClient_ClosedByKafkaProxyNotForwarded()
    {
        await using var w = await StartWorldAsync();
        using var kafka = w.Node.Serve(w.Deathstar, 9092);
        Assert.Equal(0, AgentNode.Curl(w.Tiefighter, $"http://{w.Deathstar.Ip}:9092/", 5).ExitCode);

        // Kafka rules redirect port 9092 to the proxy's Kafka listener. An HTTP request is not a Kafka frame
        // ("GET " reads as a ~1.2 GB size prefix): the proxy closes the connection and forwards nothing.
        await ImportAsync(w, "kafka.yaml", """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: kafka-plans
            spec:
              endpointSelector:
                matchLabels:
                  class: deathstar
              ingress:
              - fromEndpoints:
                - matchLabels:
                    org: empire
                toPorts:
                - ports:
                  - port: "9092"
                    protocol: TCP
                  rules:
                    kafka:
                    - topic: deathstar-plans
            """);
        var status = await w.Node.Client.GetStatusAsync();
        var policy = await w.Node.Client.GetBpfPolicyAsync(w.Deathstar.Endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var curl = AgentNode.Curl(w.Tiefighter, $"http://{w.Deathstar.Ip}:9092/", 3);

        Assert.Contains(policy!.Entries, e => e.Action == "redirect" && e.Port == 9092 && e.ProxyPort > 0);
        Assert.Equal("Ok", status.Proxy.State);
        Assert.True(curl.ExitCode is 52 or 56, $"curl exit {curl.ExitCode}"); // empty reply / connection reset: closed, never answered by the backend
    }

    [SkippableFact]
    public async Task CidrEgress_ToWorldHost_AllowsThatPrefixOnly()
    {
        await using var w = await StartWorldAsync();
        var world = w.Node.CreateWorld();
        using var worldServer = w.Node.Serve(world, 80);
        Assert.Equal(0, AgentNode.Curl(w.Tiefighter, "http://192.0.2.2/", 5).ExitCode);

        await ImportAsync(w, "cidr.yaml", """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: tiefighter-to-world-host
            spec:
              endpointSelector:
                matchLabels:
                  class: tiefighter
              egress:
              - toCIDR:
                - 192.0.2.2/32
                toPorts:
                - ports:
                  - port: "80"
                    protocol: TCP
            """, w.Tiefighter);
        var toWorld = AgentNode.Curl(w.Tiefighter, "http://192.0.2.2/", 5);
        var toDeathstar = AgentNode.Curl(w.Tiefighter, w.Url(), 3);
        var xwingToWorld = AgentNode.Curl(w.Xwing, "http://192.0.2.2/", 5);
        var identities = await w.Node.Client.ListIdentitiesAsync();

        Assert.True(toWorld.ExitCode == 0, toWorld.All + w.Node.AgentLog);
        Assert.Equal(28, toDeathstar.ExitCode);
        Assert.True(xwingToWorld.ExitCode == 0, xwingToWorld.All);
        Assert.Contains(identities, i => i.Labels.Contains("cidr:192.0.2.2/32") && i.Id >= 0x01000001);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await w.Node.Client.GetDropsAsync()).Any(d =>
            d.Reason == PolicyDenied && d.SourceIp == w.Tiefighter.Ip && d.DestinationIp == w.Deathstar.Ip && d.Direction == "egress")));
    }

    [SkippableFact]
    public async Task EntityWorld_IngressFromWorld_AllowsWorldButNotPods()
    {
        await using var w = await StartWorldAsync();
        var world = w.Node.CreateWorld();

        await ImportAsync(w, "world.yaml", """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: deathstar-from-world
            spec:
              endpointSelector:
                matchLabels:
                  class: deathstar
              ingress:
              - fromEntities:
                - world
            """);
        var fromWorld = AgentNode.Curl(world, w.Url(), 5);
        var fromTiefighter = AgentNode.Curl(w.Tiefighter, w.Url(), 3);

        Assert.True(fromWorld.ExitCode == 0, fromWorld.All + w.Node.AgentLog);
        Assert.Equal(28, fromTiefighter.ExitCode);
    }

    private static DropEventModel? FindDrop(IReadOnlyList<DropEventModel> drops, TestPod from, TestPod to, int reason) =>
        drops.LastOrDefault(d => d.Reason == reason && d.SourceIp == from.Ip && d.DestinationIp == to.Ip);
}
