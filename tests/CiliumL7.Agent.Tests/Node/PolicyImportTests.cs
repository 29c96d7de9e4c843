using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary><c>ciliuml7 policy import</c> against the real agent: it waits until the policy is applied, and says so when it cannot.</summary>
public sealed class PolicyImportTests
{
    private const string Policy = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: rule1
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

    private readonly ITestOutputHelper _output;

    public PolicyImportTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task PolicyImport_Valid_WaitsUntilAgentReportsItApplied()
    {
        await using var node = await AgentNode.StartAsync(_output);
        node.CreatePod("deathstar", "org=empire,class=deathstar");
        var file = Path.Combine(node.TempDir, "rule1.yaml");
        await File.WriteAllTextAsync(file, Policy);

        var r = node.Cli("policy", "import", file);
        var status = await node.Client.GetStatusAsync();

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("Imported CiliumNetworkPolicy default/rule1 from " + file, r.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Applied revision {status.PolicyRevision} in ", r.Stdout, StringComparison.Ordinal);
        Assert.Equal(status.PolicyRevision, status.PolicyRevisionApplied);
        Assert.Null(status.PolicyApplyError);
    }

    [SkippableFact]
    public async Task PolicyImport_AgentDoesNotAnswer_ExitsThreeAndSaysWhatToDo()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var file = Path.Combine(node.TempDir, "rule1.yaml");
        await File.WriteAllTextAsync(file, Policy);

        // A stopped agent still accepts connections (the kernel queues them) but never answers.
        Cmd.Check("kill", "-STOP", node.AgentPid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Cmd.Result r;
        try
        {
            r = node.Cli("policy", "import", "--wait-timeout", "2s", file);
        }
        finally
        {
            Cmd.Check("kill", "-CONT", node.AgentPid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var again = node.Cli("policy", "import", file);

        Assert.Equal(3, r.ExitCode);
        Assert.Contains(file + ": the agent at unix://" + node.Socket + " did not answer the import within 2s", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("may still", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("ciliuml7 policy get -H unix://" + node.Socket, r.Stderr, StringComparison.Ordinal);
        Assert.Contains("ciliuml7 status -H unix://" + node.Socket, r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--wait-timeout 8s", r.Stderr, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("Applied revision", again.Stdout, StringComparison.Ordinal);
    }
}
