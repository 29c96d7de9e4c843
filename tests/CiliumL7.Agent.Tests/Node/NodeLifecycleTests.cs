using System.Text.Json;
using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary>The real agent in a node netns, pods through the real CLI + CNI plugin, real curl.</summary>
public sealed class NodeLifecycleTests
{
    private readonly ITestOutputHelper _output;

    public NodeLifecycleTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task EndpointCreate_NoPolicy_PodsConnectAndAreListed()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
        var xwing = node.CreatePod("xwing", "org=alliance,class=xwing");
        using var server = node.Serve(deathstar, 80);

        var curl = AgentNode.Curl(xwing, $"http://{deathstar.Ip}/v1/request-landing", 5, "-XPOST");
        var list = node.Cli("endpoint", "list", "-o", "json");
        var table = node.Cli("endpoint", "list");

        Assert.True(curl.ExitCode == 0, curl.All);
        Assert.Equal("Ship landed\n", curl.Stdout);
        using var doc = JsonDocument.Parse(list.Stdout);
        var names = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()).Order().ToList();
        Assert.Equal(["deathstar", "xwing"], names);
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            foreach (var field in new[] { "id", "name", "namespace", "labels", "identity", "ipv4", "ifindex", "status" })
            {
                Assert.True(e.TryGetProperty(field, out _), field);
            }
        }
        Assert.Contains("POLICY (ingress) ENFORCEMENT", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("k8s:class=deathstar", table.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(deathstar.Endpoint.Identity, xwing.Endpoint.Identity);
        Assert.StartsWith(node.PodCidr[..node.PodCidr.LastIndexOf('.')], deathstar.Ip, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task EndpointDelete_ThroughCni_RemovesLinkAndAddressIdempotently()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var pod = node.CreatePod("xwing", "org=alliance,class=xwing");
        Assert.Equal(0, Cmd.Run("ip", "-n", node.NodeNetns, "link", "show", pod.Endpoint.HostInterface).ExitCode);

        var deleted = node.Cli("endpoint", "delete", "xwing", "--namespace", "default");
        var again = node.Cli("endpoint", "delete", "xwing");
        var cniDelTwice = RunCni(node, "DEL", pod.Endpoint.ContainerId, pod.NetnsPath);

        Assert.True(deleted.ExitCode == 0, deleted.All);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("not found", again.Stderr, StringComparison.Ordinal);
        Assert.True(cniDelTwice.ExitCode == 0, cniDelTwice.All);
        Assert.NotEqual(0, Cmd.Run("ip", "-n", node.NodeNetns, "link", "show", pod.Endpoint.HostInterface).ExitCode);
        Assert.Empty(await node.Client.ListEndpointsAsync());
        Assert.Empty((await node.Client.GetIpamAsync()).Allocations);
        Assert.False(File.Exists(pod.NetnsPath));
    }

    [SkippableFact]
    public async Task CniCheck_AfterAdd_SucceedsAndFailsOnceThePodInterfaceIsGone()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var pod = node.CreatePod("tiefighter", "org=empire,class=tiefighter");

        var ok = RunCni(node, "CHECK", pod.Endpoint.ContainerId, pod.NetnsPath);
        Cmd.Check("ip", "-n", pod.NetnsName, "link", "set", "eth0", "name", "eth9");
        var broken = RunCni(node, "CHECK", pod.Endpoint.ContainerId, pod.NetnsPath);

        Assert.True(ok.ExitCode == 0, ok.All);
        Assert.NotEqual(0, broken.ExitCode);
        using var error = JsonDocument.Parse(broken.Stdout);
        Assert.Contains("eth0", error.RootElement.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Exec_InPod_RunsThereAndPassesExitCode()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var pod = node.CreatePod("xwing", "org=alliance,class=xwing");

        var addr = node.Cli("exec", "xwing", "--", "ip", "-4", "-o", "addr", "show", "dev", "eth0");
        var exit = node.Cli("exec", "xwing", "--", "sh", "-c", "exit 7");

        Assert.Equal(0, addr.ExitCode);
        Assert.Contains(pod.Ip + "/32", addr.Stdout, StringComparison.Ordinal);
        Assert.Equal(7, exit.ExitCode);
    }

    [SkippableFact]
    public async Task AgentKill9_ThenRestart_KeepsEndpointsIdentitiesPoliciesAndTraffic()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var deathstar = node.CreatePod("deathstar", "org=empire,class=deathstar");
        var tiefighter = node.CreatePod("tiefighter", "org=empire,class=tiefighter");
        using var server = node.Serve(deathstar, 80);
        var policyFile = Path.Combine(node.TempDir, "rule1.yaml");
        await File.WriteAllTextAsync(policyFile, L3L4Policy);
        Assert.Equal(0, node.Cli("policy", "import", policyFile).ExitCode);
        var before = await node.Client.ListEndpointsAsync();
        var identitiesBefore = await node.Client.ListIdentitiesAsync();

        node.KillAgent();
        var whileDown = AgentNode.Curl(tiefighter, $"http://{deathstar.Ip}/", 5);
        await node.StartAgentAsync();
        var after = await node.Client.ListEndpointsAsync();
        var identitiesAfter = await node.Client.ListIdentitiesAsync();
        var policy = await node.Client.GetPolicyAsync();
        var afterRestart = AgentNode.Curl(tiefighter, $"http://{deathstar.Ip}/", 5);

        Assert.True(whileDown.ExitCode == 0, whileDown.All);
        Assert.True(afterRestart.ExitCode == 0, afterRestart.All);
        Assert.Equal(before.Select(e => (e.Id, e.Name, e.Identity, e.Ipv4, e.Ifindex)), after.Select(e => (e.Id, e.Name, e.Identity, e.Ipv4, e.Ifindex)));
        Assert.Equal(identitiesBefore.Select(i => (i.Id, string.Join(",", i.Labels))), identitiesAfter.Select(i => (i.Id, string.Join(",", i.Labels))));
        Assert.Equal("rule1", Assert.Single(policy.Policies).Name);
    }

    [SkippableFact]
    public async Task PolicyDirectory_MalformedFile_RejectedAndPreviousVersionKept()
    {
        await using var node = await AgentNode.StartAsync(_output);
        node.WritePolicyFile("rule1.yaml", L3L4Policy);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await node.Client.GetPolicyAsync()).Policies.Count == 1));

        node.WritePolicyFile("rule1.yaml", L3L4Policy.Replace("rule1", "rule1-v2", StringComparison.Ordinal) + "  ingress: [unclosed\n");
        Assert.True(await AgentNode.EventuallyAsync(async () => (await node.Client.GetStatusAsync()).PolicyErrors.Count == 1), node.AgentLog);
        var status = await node.Client.GetStatusAsync();
        var policy = await node.Client.GetPolicyAsync();
        var cliStatus = node.Cli("status");

        var error = Assert.Single(status.PolicyErrors);
        Assert.EndsWith("rule1.yaml", error.Source, StringComparison.Ordinal);
        Assert.Contains(error.Errors, e => e.Contains("rule1.yaml", StringComparison.Ordinal));
        Assert.Equal("rule1", Assert.Single(policy.Policies).Name);
        Assert.Contains("rejected", cliStatus.Stdout, StringComparison.Ordinal);
        Assert.Contains("rule1.yaml", node.AgentLog, StringComparison.Ordinal);

        File.Delete(Path.Combine(node.PolicyDir, "rule1.yaml"));
        Assert.True(await AgentNode.EventuallyAsync(async () => (await node.Client.GetPolicyAsync()).Policies.Count == 0));
    }

    [SkippableFact]
    public async Task PolicyImport_InvalidFile_ExitsNonZeroWithEveryError()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var file = Path.Combine(node.TempDir, "bad.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {}\n---\nkind: Pod\nmetadata:\n  name: p\n");

        var r = node.Cli("policy", "import", file);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("metadata.name is required", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("\"Pod\" is not a policy kind", r.Stderr, StringComparison.Ordinal);
        Assert.Empty((await node.Client.GetPolicyAsync()).Policies);
    }

    [SkippableFact]
    public async Task Cleanup_AfterPodsAndPolicy_LeavesNoTrace()
    {
        await using var node = await AgentNode.StartAsync(_output);
        node.CreatePod("xwing", "org=alliance,class=xwing");
        node.CreatePod("deathstar", "org=empire,class=deathstar");
        node.KillAgent();

        var cleanup = node.RunCleanup();

        Assert.True(cleanup.ExitCode == 0, cleanup.All);
        Assert.DoesNotContain("lxc", Cmd.Run("ip", "-n", node.NodeNetns, "link", "show").Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("2004", Cmd.Run("ip", "-n", node.NodeNetns, "rule", "show").Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("2004", Cmd.Run("ip", "-n", node.NodeNetns, "-6", "rule", "show").Stdout, StringComparison.Ordinal);
        Assert.Empty(Cmd.Run("ip", "-n", node.NodeNetns, "route", "show", "table", "2004").Stdout.Trim());
        Assert.False(Directory.Exists(node.BpfRoot));
        Assert.False(Directory.Exists(node.StateDir));
        Assert.Equal("0", node.InitialIpForward);
        Assert.Equal(node.InitialIpForward, node.ReadIpForward());
    }

    private static Cmd.Result RunCni(AgentNode node, string command, string containerId, string netns) =>
        Cmd.Run("nsenter", ["--net=" + node.NodeNetnsPath, AgentNode.Bin("ciliuml7-cni")], TimeSpan.FromSeconds(30),
            stdin: $$"""{"cniVersion":"1.0.0","name":"ciliuml7","type":"ciliuml7-cni","agent-socket":"{{node.Socket}}"}""",
            env: new Dictionary<string, string>
            {
                ["CNI_COMMAND"] = command, ["CNI_CONTAINERID"] = containerId, ["CNI_NETNS"] = netns, ["CNI_IFNAME"] = "eth0",
                ["CNI_ARGS"] = "K8S_POD_NAMESPACE=default;K8S_POD_NAME=x", ["CNI_PATH"] = RepoPathsBin,
            });

    private static string RepoPathsBin => Path.GetDirectoryName(AgentNode.Bin("ciliuml7-cni"))!;

    internal const string L3L4Policy = """
        apiVersion: "cilium.io/v2"
        kind: CiliumNetworkPolicy
        metadata:
          name: "rule1"
        spec:
          description: "L3-L4 policy to restrict deathstar access to empire ships only"
          endpointSelector:
            matchLabels:
              org: empire
              class: deathstar
          ingress:
          - fromEndpoints:
            - matchLabels:
                org: empire
            toPorts:
            - ports:
              - port: "80"
                protocol: TCP
        """;

    /// <summary>The tutorial's sw_l3_l4_l7_policy: empire ships may only POST /v1/request-landing.</summary>
    internal static readonly string L7Policy = L3L4Policy.Replace("""
                    protocol: TCP
            """, """
                    protocol: TCP
                  rules:
                    http:
                    - method: "POST"
                      path: "/v1/request-landing"
            """, StringComparison.Ordinal);
}
