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
