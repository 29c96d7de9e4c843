using System.Text.Json;
using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary>
/// The safe-rollout loop with real traffic, the real agent, eBPF and proxy:
/// audit a strict policy (traffic still flows, AUDIT flows name it, L3/L4 and
/// L7), an enforcing deny still wins, then generate a policy from the recorded
/// flows, enforce it, and check that what was observed still works while an
/// unobserved method/path and an unobserved peer are refused.
/// </summary>
public sealed class SafeRolloutTests
{
    private const string Strict = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: strict
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
              - port: "80"
                protocol: TCP
              rules:
                http:
                - method: POST
                  path: /v1/request-landing
        """;

    private const string DenyXwing = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: deny-xwing
        spec:
          endpointSelector:
            matchLabels:
              class: deathstar
          ingress:
          - fromEntities:
            - all
          ingressDeny:
          - fromEndpoints:
            - matchLabels:
                class: xwing
        """;

    private const string AuditDenyYwing = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: audit-deny-ywing
        spec:
          endpointSelector:
            matchLabels:
              class: deathstar
          ingress:
          - fromEntities:
            - all
          ingressDeny:
          - fromEndpoints:
            - matchLabels:
                class: ywing
        """;

    private const string EnforcingL7 = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: enforcing-l7
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
              - port: "80"
                protocol: TCP
              rules:
                http:
                - method: POST
                - method: PUT
        """;

    private readonly ITestOutputHelper _output;

    public SafeRolloutTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task AuditGenerateEnforce_DeathStar_ObservedStillWorksUnobservedRefused()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
        var tiefighter = node.CreatePod("tiefighter", "org=empire,class=tiefighter");
        var xwing = node.CreatePod("xwing", "org=alliance,class=xwing");
        var probe = node.CreatePod("probe", "org=alliance,class=probe");
        var ywing = node.CreatePod("ywing", "org=alliance,class=ywing");
        node.Serve(deathstar, 80);
        string Url(string path) => "http://" + deathstar.Ip + path;

        // :: 1. The strict policy in audit mode: nothing is refused, every would-be refusal is an AUDIT flow.
        await ImportAsync(node, "strict.yaml", Strict, deathstar, "--audit");
        var xwingLands = AgentNode.Curl(xwing, Url("/v1/request-landing"), 5, "-XPOST");
        var exhaust = AgentNode.Curl(tiefighter, Url("/v1/exhaust-port"), 5, "-XPUT", "-i");
        var landing = AgentNode.Curl(tiefighter, Url("/v1/request-landing"), 5, "-XPOST");
        Assert.True(xwingLands.ExitCode == 0 && xwingLands.Stdout == "Ship landed\n", "audited L3/L4 drop must pass\n" + xwingLands.All + node.AgentLog);
        Assert.True(exhaust.ExitCode == 0 && exhaust.Stdout.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), "audited L7 deny must be forwarded\n" + exhaust.All);
        Assert.True(landing.ExitCode == 0, landing.All);

        JsonElement? l3 = null, l7 = null;
        Assert.True(await AgentNode.EventuallyAsync(() =>
        {
            var flows = Observe(node, "--verdict", "AUDIT");
            l3 = flows.FirstOrDefault(f => f.GetProperty("IP").GetProperty("source").GetString() == xwing.Ip && !f.TryGetProperty("l7", out _));
            l7 = flows.FirstOrDefault(f => f.TryGetProperty("l7", out var x) && x.TryGetProperty("http", out var h) && h.GetProperty("method").GetString() == "PUT");
            return Task.FromResult(l3 is not null && l7 is not null);
        }), "AUDIT flows missing\n" + string.Join("\n", Observe(node, "--verdict", "AUDIT")) + node.AgentLog);
        Assert.Equal("POLICY_DENIED", l3!.Value.GetProperty("drop_reason_desc").GetString());
        Assert.Equal("strict", l3.Value.GetProperty("ingress_denied_by")[0].GetProperty("name").GetString());
        Assert.Equal("strict", l7!.Value.GetProperty("ingress_denied_by")[0].GetProperty("name").GetString());
        // What enforcing would have done, in the flow's summary.
        Assert.EndsWith("; AUDIT: would be dropped, POLICY_DENIED by default/strict", l3.Value.GetProperty("Summary").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("; AUDIT: would answer 403 Access denied by default/strict", l7.Value.GetProperty("Summary").GetString(), StringComparison.Ordinal);
        var status = node.Cli("status");
        Assert.Contains("default/strict: ingress of endpoint " + deathstar.Endpoint.Id, status.Stdout, StringComparison.Ordinal);

        // :: 2. Deny wins: an enforcing policy's deny is enforced whatever the audited policy says; what the
        //       enforcing policy allows but the audited one would drop passes as AUDIT naming the audited one.
        await ImportAsync(node, "deny-xwing.yaml", DenyXwing, deathstar);
        Assert.Equal(28, AgentNode.Curl(xwing, Url("/v1/request-landing"), 3, "-XPOST").ExitCode);
        Assert.Equal("Ship landed\n", AgentNode.Curl(ywing, Url("/v1/request-landing"), 5, "-XPOST").Stdout);
        await AssertAuditAsync(node, ywing, "POLICY_DENIED", "strict");
        //       The enforcing policy allows port 80 at L3/L4 only: the port is redirected anyway (allow-all enforcing
        //       L7 set, the audited set after it), so the audited HTTP rules still judge: the PUT is forwarded, AUDIT.
        var bpf = await node.Client.GetBpfPolicyAsync(deathstar.Endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(bpf!.Entries, e => e.Action == "redirect" && e.Port == 80 && e.ProxyPort > 0);
        var besideL4 = AgentNode.Curl(tiefighter, Url("/v1/exhaust-port/beside-l4"), 5, "-XPUT", "-i");
        Assert.True(besideL4.Stdout.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), besideL4.All + node.AgentLog);
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(Observe(node, "--verdict", "AUDIT", "--http-method", "PUT").Any(f =>
            f.GetProperty("l7").GetProperty("http").GetProperty("url").GetString()!.EndsWith("/beside-l4", StringComparison.Ordinal)
            && f.GetProperty("ingress_denied_by")[0].GetProperty("name").GetString() == "strict"
            && f.GetProperty("Summary").GetString()!.EndsWith("; AUDIT: would answer 403 Access denied by default/strict", StringComparison.Ordinal)))),
            "no L7 AUDIT flow for the PUT beside deny-xwing's L3/L4 allow\n" + string.Join("\n", Observe(node, "--verdict", "AUDIT")) + node.AgentLog);
        Assert.Equal("Ship landed\n", AgentNode.Curl(tiefighter, Url("/v1/request-landing"), 5, "-XPOST").Stdout);
        //       An explicit deny in an audited policy is audited, not enforced.
        await ImportAsync(node, "audit-deny-ywing.yaml", AuditDenyYwing, deathstar, "--audit");
        Assert.Equal("Ship landed\n", AgentNode.Curl(ywing, Url("/v1/request-landing"), 5, "-XPOST").Stdout);
        await AssertAuditAsync(node, ywing, "POLICY_DENY", "audit-deny-ywing");
        Assert.Equal(28, AgentNode.Curl(xwing, Url("/v1/request-landing"), 3, "-XPOST").ExitCode);
        Assert.Equal(0, node.Cli("policy", "delete", "deny-xwing").ExitCode);
        Assert.Equal(0, node.Cli("policy", "delete", "audit-deny-ywing").ExitCode);

        //       L7 beside L7: the enforcing rules decide (DELETE 403), the audited ones report (PUT forwarded, AUDIT).
        await ImportAsync(node, "enforcing-l7.yaml", EnforcingL7, deathstar);
        var put = AgentNode.Curl(tiefighter, Url("/v1/exhaust-port"), 5, "-XPUT", "-i");
        Assert.True(put.Stdout.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), put.All + node.AgentLog);
        var delete = AgentNode.Curl(tiefighter, Url("/v1/request-landing"), 5, "-XDELETE", "-i");
        Assert.True(delete.Stdout.StartsWith("HTTP/1.1 403", StringComparison.Ordinal), delete.All);
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(Observe(node, "--verdict", "AUDIT", "--http-method", "PUT").Any(f =>
            f.GetProperty("ingress_denied_by")[0].GetProperty("name").GetString() == "strict" && f.GetProperty("l7").GetProperty("type").GetString() == "REQUEST"))),
            "no L7 AUDIT flow for the PUT beside enforcing-l7\n" + string.Join("\n", Observe(node, "--verdict", "AUDIT")));
        Assert.Equal(0, node.Cli("policy", "delete", "enforcing-l7").ExitCode);

        // :: 3. Generate from the recorded flows; every observed flow replays as ALLOWED.
        var generate = node.Cli("policy", "generate", "--from-flows", "--server", "unix://" + Path.Combine(node.StateDir, "hubble.sock"),
            "--to-selector", "class=deathstar", "--direction", "ingress", "--l7", "--verify");
        Assert.True(generate.ExitCode == 0, generate.All);
        Assert.Matches(@"verify: (\d+)/\1 observed flow\(s\) ALLOWED", generate.Stderr);
        Assert.Contains("path: '/v1/exhaust-port'", generate.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("probe", generate.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(deathstar.Ip, generate.Stdout, StringComparison.Ordinal);

        // :: 4. Enforce the generated policy instead of the audited one.
        Assert.Equal(0, node.Cli("policy", "delete", "strict").ExitCode);
        await ImportAsync(node, "generated.yaml", generate.Stdout, deathstar);
        Assert.Equal("Ship landed\n", AgentNode.Curl(tiefighter, Url("/v1/request-landing"), 5, "-XPOST").Stdout);
        Assert.StartsWith("HTTP/1.1 200", AgentNode.Curl(tiefighter, Url("/v1/exhaust-port"), 5, "-XPUT", "-i").Stdout, StringComparison.Ordinal);
        Assert.Equal("Ship landed\n", AgentNode.Curl(xwing, Url("/v1/request-landing"), 5, "-XPOST").Stdout);
        var unobservedMethod = AgentNode.Curl(tiefighter, Url("/v1/request-landing"), 5, "-XDELETE", "-i");
        Assert.True(unobservedMethod.Stdout.StartsWith("HTTP/1.1 403", StringComparison.Ordinal), unobservedMethod.All);
        Assert.Equal(28, AgentNode.Curl(probe, Url("/v1/request-landing"), 3, "-XPOST").ExitCode);

        // :: 5. Per endpoint: audit=on audits every policy of the deathstar (same map entries, only the flag
        //       changes), audit=off enforces again.
        var id = deathstar.Endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, node.Cli("endpoint", "config", id, "audit=on").ExitCode);
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(
            AgentNode.Curl(probe, Url("/v1/request-landing"), 3, "-XPOST").Stdout == "Ship landed\n")), "audit=on: the probe must land\n" + node.AgentLog);
        await AssertAuditAsync(node, probe, "POLICY_DENIED", "deathstar-generated");
        Assert.Equal(0, node.Cli("endpoint", "config", id, "audit=off").ExitCode);
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(
            AgentNode.Curl(probe, Url("/v1/request-landing"), 2, "-XPOST").ExitCode == 28)), "audit=off: the probe must be dropped again");
    }

    private const string ClientEgressL4 = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: client-egress
        spec:
          endpointSelector:
            matchLabels:
              app: client
          egress:
          - toCIDR:
            - 198.51.100.53/32
            toPorts:
            - ports:
              - port: "53"
                protocol: ANY
          - toEndpoints:
            - matchLabels:
                app: kafka
            toPorts:
            - ports:
              - port: "9092"
                protocol: TCP
        """;

    private const string ClientEgressAudited = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: client-l7-strict
        spec:
          endpointSelector:
            matchLabels:
              app: client
          egress:
          - toCIDR:
            - 198.51.100.53/32
            toPorts:
            - ports:
              - port: "53"
                protocol: ANY
              rules:
                dns:
                - matchName: allowed.empire.test
          - toEndpoints:
            - matchLabels:
                app: kafka
            toPorts:
            - ports:
              - port: "9092"
                protocol: TCP
              rules:
                kafka:
                - role: produce
                  topic: empire-orders
        """;

    [SkippableFact]
    public async Task AuditedL7BesideEnforcingL3L4_DnsAndKafka_ForwardedAndReportedAsAudit()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var client = node.CreatePod("client", "app=client");
        var broker = node.CreatePod("kafka", "app=kafka");
        using var dns = DnsmasqWorld.Start(node, "/empire.test/198.51.100.10");
        using var kafka = MockKafkaBroker.Start(broker, [client], "empire-orders", "empire-plans");
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(DnsmasqWorld.Status(DnsmasqWorld.Dig(client, "allowed.empire.test")) == "NOERROR"), TimeSpan.FromSeconds(10)),
            "no policy: the pod resolves directly\n" + dns.Log);

        // The enforcing policy allows DNS and Kafka at L3/L4 only; the audited one has L7 rules on both ports.
        var enforcing = Path.Combine(node.TempDir, "client-egress.yaml");
        await File.WriteAllTextAsync(enforcing, ClientEgressL4);
        Assert.Equal(0, node.Cli("policy", "import", enforcing).ExitCode);
        var audited = Path.Combine(node.TempDir, "client-l7-strict.yaml");
        await File.WriteAllTextAsync(audited, ClientEgressAudited);
        var import = node.Cli("policy", "import", "--audit", audited);
        Assert.True(import.ExitCode == 0, import.All);
        var id = client.Endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await node.Client.GetBpfPolicyAsync(id)) is { } p
            && p.Entries.Count(e => e.Action == "redirect" && e.ProxyPort > 0 && e.Port is 53 or 9092) == 3), // DNS over UDP and TCP, Kafka
            node.Cli("bpf", "policy", "get", id).All + node.AgentLog);
        await Task.Delay(300);

        // DNS: both names are answered (forwarded); the one the audited policy does not list is an AUDIT flow.
        var allowed = DnsmasqWorld.Dig(client, "allowed.empire.test");
        Assert.True(DnsmasqWorld.Status(allowed) == "NOERROR" && allowed.Contains("198.51.100.10", StringComparison.Ordinal), allowed + node.AgentLog);
        var other = DnsmasqWorld.Dig(client, "other.empire.test");
        Assert.True(DnsmasqWorld.Status(other) == "NOERROR" && other.Contains("198.51.100.10", StringComparison.Ordinal), other + node.AgentLog);
        Assert.Equal("NOERROR", DnsmasqWorld.Status(DnsmasqWorld.Dig(client, "other.empire.test", "+tcp")));
        Assert.Contains("other.empire.test from", dns.Log, StringComparison.Ordinal);
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(Observe(node, "--verdict", "AUDIT", "--protocol", "dns").Any(f =>
            f.GetProperty("l7").GetProperty("dns").GetProperty("query").GetString() == "other.empire.test."
            && f.GetProperty("egress_denied_by")[0].GetProperty("name").GetString() == "client-l7-strict"
            && f.GetProperty("Summary").GetString()!.Contains("AUDIT: would answer REFUSED by default/client-l7-strict", StringComparison.Ordinal)))),
            "no DNS AUDIT flow for other.empire.test\n" + string.Join("\n", Observe(node, "--protocol", "dns")) + node.AgentLog);
        Assert.DoesNotContain(Observe(node, "--verdict", "AUDIT", "--protocol", "dns"),
            f => f.GetProperty("l7").GetProperty("dns").GetProperty("query").GetString() == "allowed.empire.test.");

        // Kafka: producing to the listed topic and to another both succeed; the other one is an AUDIT flow (error 29 avoided).
        var orders = Kcat(client, kafka.Bootstrap, "-P", "-t", "empire-orders", "-p", "0");
        Assert.True(orders.ExitCode == 0, orders.All + node.AgentLog);
        var plans = Kcat(client, kafka.Bootstrap, "-P", "-t", "empire-plans", "-p", "0");
        Assert.True(plans.ExitCode == 0 && !plans.All.Contains("authorization", StringComparison.OrdinalIgnoreCase), plans.All + node.AgentLog);
        var back = Kcat(client, kafka.Bootstrap, "-C", "-t", "empire-plans", "-p", "0", "-o", "beginning", "-c", "1", "-e", "-f", "%s\\n");
        Assert.True(back.ExitCode == 0 && back.Stdout == "death-star-plans\n", back.All);
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(Observe(node, "--verdict", "AUDIT", "--protocol", "kafka").Any(f =>
            f.GetProperty("l7").GetProperty("kafka").GetProperty("topic").GetString() == "empire-plans"
            && f.GetProperty("egress_denied_by")[0].GetProperty("name").GetString() == "client-l7-strict"
            && f.GetProperty("Summary").GetString()!.Contains("AUDIT: would answer error 29 TOPIC_AUTHORIZATION_FAILED by default/client-l7-strict", StringComparison.Ordinal)))),
            "no Kafka AUDIT flow for empire-plans\n" + string.Join("\n", Observe(node, "--protocol", "kafka")) + node.AgentLog);
        Assert.DoesNotContain(Observe(node, "--verdict", "AUDIT", "--protocol", "kafka"), f =>
            f.GetProperty("l7").GetProperty("kafka").GetProperty("topic").GetString() == "empire-orders"
            && f.GetProperty("l7").GetProperty("kafka").GetProperty("api_key").GetString() == "produce");

        // Deleting the audited policy removes the redirects: the enforcing policy alone needs none.
        Assert.Equal(0, node.Cli("policy", "delete", "client-l7-strict").ExitCode);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await node.Client.GetBpfPolicyAsync(id)) is { } p && !p.Entries.Any(e => e.Action == "redirect")),
            node.Cli("bpf", "policy", "get", id).All);
        Assert.Equal("NOERROR", DnsmasqWorld.Status(DnsmasqWorld.Dig(client, "other.empire.test")));
    }

    private static Cmd.Result Kcat(TestPod pod, string bootstrap, params string[] args) =>
        Cmd.Run("nsenter", ["--net=" + pod.NetnsPath, "kcat", "-b", bootstrap, "-m", "10", .. args], TimeSpan.FromSeconds(40),
            stdin: args.Contains("-P") ? "death-star-plans\n" : null);

    private static async Task ImportAsync(AgentNode node, string name, string yaml, TestPod selected, params string[] flags)
    {
        var file = Path.Combine(node.TempDir, name);
        await File.WriteAllTextAsync(file, yaml);
        var r = node.Cli(["policy", "import", .. flags, file]);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.True(await AgentNode.EventuallyAsync(async () =>
            (await node.Client.GetEndpointAsync(selected.Endpoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))) is { PolicyIngressEnforced: true }), node.AgentLog);
        await Task.Delay(300);
    }

    private static async Task AssertAuditAsync(AgentNode node, TestPod from, string reason, string policy)
    {
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(Observe(node, "--verdict", "AUDIT", "--from-ip", from.Ip).Any(f =>
            !f.TryGetProperty("l7", out _) && f.TryGetProperty("drop_reason_desc", out var r) && r.GetString() == reason &&
            f.GetProperty("ingress_denied_by")[0].GetProperty("name").GetString() == policy))),
            $"no AUDIT flow from {from.Ip} with {reason} naming {policy}\n" + string.Join("\n", Observe(node, "--verdict", "AUDIT")) + node.AgentLog);
    }

    private static List<JsonElement> Observe(AgentNode node, params string[] args)
    {
        var r = Cmd.Run(AgentNode.Bin("ciliuml7"), ["observe", "--server", "unix://" + Path.Combine(node.StateDir, "hubble.sock"), "--last", "200", "-o", "json", .. args], TimeSpan.FromSeconds(30));
        var list = new List<JsonElement>();
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            list.Add(doc.RootElement.GetProperty("flow").Clone());
        }
        return list;
    }
}
