using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary>
/// A policy nested 100,000 deep (about 200 KB) once overflowed the YAML reader's stack: <c>policy validate</c>
/// aborted (exit 134), <c>policy import</c> killed the agent and the same file in the policy directory killed it
/// on every restart. Now every reader rejects it before parsing, with the file, the limit and the fix.
/// </summary>
public sealed class UntrustedInputTests
{
    private static readonly string Deep = new string('[', 100_000) + new string(']', 100_000) + "\n";

    private readonly ITestOutputHelper _output;

    public UntrustedInputTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void PolicyValidate_FlowSequence100kDeep_ExitsOneWithLimitNot134()
    {
        var file = Path.Combine(Path.GetTempPath(), $"cl7-deep-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(file, Deep);
            var r = Cmd.Run(AgentNode.Bin("ciliuml7"), ["policy", "validate", file], TimeSpan.FromSeconds(60));

            Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}: {r.All}");
            Assert.Contains(file + ": line 1: YAML nesting deeper than 64 levels (the limit)", r.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [SkippableFact]
    public async Task PolicyImport_FlowSequence100kDeep_RejectedAndAgentStaysUp()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var file = Path.Combine(node.TempDir, "deep.yaml");
        await File.WriteAllTextAsync(file, Deep);

        var r = node.Cli("policy", "import", file);
        var status = await node.Client.GetStatusAsync();

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("nesting deeper than 64 levels", r.All, StringComparison.Ordinal);
        Assert.True(await node.Client.HealthzAsync(), "agent not healthy after the rejected import:\n" + node.AgentLog);
        Assert.Equal(node.AgentPid, status.Agent.Pid);
    }

    [SkippableFact]
    public async Task PolicyDirectory_DeepFileAtStartup_AgentStartsAndReportsTheFile()
    {
        await using var node = await AgentNode.StartAsync(_output);
        node.KillAgent();
        node.WritePolicyFile("deep.yaml", Deep);

        await node.StartAgentAsync();
        var status = await node.Client.GetStatusAsync();

        var error = Assert.Single(status.PolicyErrors);
        Assert.EndsWith("deep.yaml", error.Source, StringComparison.Ordinal);
        Assert.Contains("nesting deeper than 64 levels (the limit)", Assert.Single(error.Errors), StringComparison.Ordinal);
        Assert.True(await node.Client.HealthzAsync());
    }

    [SkippableFact]
    public async Task PolicyImport_HugeValue_RejectedMessageAndLogTruncated()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var yaml = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: huge
            spec:
              endpointSelector: {}
              ingress:
              - toPorts:
                - ports:
                  - port: "80"
                    protocol: TCP
                  rules:
                    http:
                    - path: "
            """ + new string('(', 1_500_000) + "\"\n";

        var r = RestCall.Send(node.Socket, "PUT", "/v1/policy", "application/yaml", yaml);

        Assert.Equal(400, r.Status);
        Assert.Contains("… (1500000 chars)", r.Body, StringComparison.Ordinal);
        Assert.True(r.Body.Length < 4_000, $"{r.Body.Length} chars");
        Assert.DoesNotContain(new string('(', 1_000), node.AgentLog, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task PolicyImport_BodyOverLimit_413NamingTheLimit()
    {
        await using var node = await AgentNode.StartAsync(_output);

        var r = RestCall.Send(node.Socket, "PUT", "/v1/policy", "application/yaml", "# " + new string('x', 3 * 1024 * 1024));

        Assert.Equal(413, r.Status);
        Assert.Contains("larger than the limit of 2097152 bytes", r.Body, StringComparison.Ordinal);
        Assert.True(await node.Client.HealthzAsync());
    }
}
