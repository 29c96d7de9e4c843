using System.Text.Json;
using CiliumL7.Agent.Tests.Node;
using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests;

/// <summary>
/// The tutorial's service through the real binaries: agent in a node netns,
/// pods through the CNI plugin, <c>ciliuml7 service create</c>, and
/// <c>ciliuml7 exec POD -- curl deathstar.default.svc.cluster.local</c>.
/// Policy must see the backend pod, not the service: the seed's L3/L4 rule
/// (ingress to the deathstar pods from org=empire) lets tiefighter through
/// the VIP and times xwing out.
/// </summary>
public sealed class ServicesAgentNodeTests
{
    private const string Url = "http://deathstar.default.svc.cluster.local/v1/request-landing";
    private readonly ITestOutputHelper _output;

    public ServicesAgentNodeTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task ExecCurl_ServiceName_BalancedAcrossReplicasAndPolicySeesBackendPods()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var ds1 = node.CreatePod("deathstar-1", "org=empire,class=deathstar");
        var ds2 = node.CreatePod("deathstar-2", "org=empire,class=deathstar");
        var tiefighter = node.CreatePod("tiefighter", "org=empire,class=tiefighter");
        var xwing = node.CreatePod("xwing", "org=alliance,class=xwing");
        using var s1 = node.Serve(ds1, 80);
        using var s2 = node.Serve(ds2, 80);
        using var decoy = node.Serve(tiefighter, 80);

        var create = node.Cli("service", "create", "deathstar", "--namespace", "default", "--port", "80", "--selector", "org=empire,class=deathstar");
        Assert.True(create.ExitCode == 0, create.All + "\n" + node.AgentLog);
        var list = node.Cli("service", "list", "-o", "json");
        using (var doc = JsonDocument.Parse(list.Stdout))
        {
            var backends = doc.RootElement[0].GetProperty("frontends")[0].GetProperty("backends").EnumerateArray().Select(b => b.GetProperty("ip").GetString()).Order();
            Assert.Equal(new[] { ds1.Ip, ds2.Ip }.Order(), backends);
        }

        // No policy: both ships land, and the landings are spread over both replicas.
        for (var i = 0; i < 20; i++)
        {
            var landing = Exec(node, tiefighter, 5);
            Assert.True(landing.ExitCode == 0, landing.All + "\n" + node.AgentLog);
            Assert.Equal("Ship landed\n", landing.Stdout);
        }
        Assert.Equal(0, Exec(node, xwing, 5).ExitCode);
        Assert.True(s1.Accepted > 0 && s2.Accepted > 0, $"replica 1: {s1.Accepted}, replica 2: {s2.Accepted}");
        Assert.Equal(0, decoy.Accepted);

        // L3/L4 policy on the deathstar pods: decided on the backend's identity behind the VIP.
        var file = Path.Combine(node.TempDir, "sw_l3_l4_policy.yaml");
        await File.WriteAllTextAsync(file, NodeLifecycleTests.L3L4Policy);
        var import = node.Cli("policy", "import", file);
        Assert.True(import.ExitCode == 0, import.All);
        Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(Exec(node, xwing, 2).ExitCode == 28), TimeSpan.FromSeconds(30)), node.AgentLog);
        var tie = Exec(node, tiefighter, 5);
        Assert.True(tie.ExitCode == 0, tie.All);
        Assert.Equal("Ship landed\n", tie.Stdout);

        // The name comes from the pod's hosts file; deleting the service takes it out.
        var hosts = "/etc/netns/" + tiefighter.NetnsName + "/hosts";
        Assert.Contains("\tdeathstar.default.svc.cluster.local ", File.ReadAllText(hosts), StringComparison.Ordinal);
        Assert.Equal(0, node.Cli("service", "delete", "deathstar").ExitCode);
        Assert.DoesNotContain("deathstar", File.ReadAllText(hosts), StringComparison.Ordinal);
        Assert.NotEqual(0, Exec(node, tiefighter, 2).ExitCode);
    }

    private static Cmd.Result Exec(AgentNode node, TestPod pod, int timeoutSeconds) =>
        node.Cli("exec", pod.Name, "--", "curl", "-s", "--max-time", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-XPOST", Url);
}
