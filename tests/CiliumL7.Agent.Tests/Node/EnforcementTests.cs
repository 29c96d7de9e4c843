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

    private async Task<World> StartWorldAsync()
    {
        var node = await AgentNode.StartAsync(_output);
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
    }

    [SkippableFact]
    public async Task L7Policy_ExhaustPortPut_GetsAccessDeniedAndLandingPasses()
    {
        await using var w = await StartWorldAsync();

        await ImportAsync(w, "sw_l3_l4_l7_policy.yaml", NodeLifecycleTests.L3L4Policy.Replace("""
                    protocol: TCP
            """, """
                    protocol: TCP
                  rules:
                    http:
                    - method: "POST"
                      path: "/v1/request-landing"
            """, StringComparison.Ordinal));
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

        // Hubble: the denied request (DROPPED) and its 403 response.
        var observe = Observe(w, "--http-status", "403");
        Assert.True(observe.ExitCode == 0, observe.All);
        Assert.Contains("/v1/exhaust-port", observe.Stdout, StringComparison.Ordinal);
        Assert.Contains("403", observe.Stdout, StringComparison.Ordinal);
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
    public async Task RedirectWithoutListener_KafkaPort_FailsClosed()
    {
        await using var w = await StartWorldAsync();
        using var kafka = w.Node.Serve(w.Deathstar, 9092);
        Assert.Equal(0, AgentNode.Curl(w.Tiefighter, $"http://{w.Deathstar.Ip}:9092/", 5).ExitCode);

        // Kafka rules redirect port 9092 to the proxy, which serves HTTP only: no listener, so the datapath drops.
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
        Assert.Equal("Warning", status.Proxy.State);
        Assert.Contains("Kafka", status.Proxy.Message, StringComparison.Ordinal);
        Assert.Equal(28, curl.ExitCode);
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
