using CiliumL7.Cli;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Generation;
using CiliumL7.Policy.Identity;
using CiliumL7.TestSupport;

namespace CiliumL7.Policy.Tests.Generation;

/// <summary>
/// Golden tests for <c>policy generate</c>: Hubble JSON flows of the Death Star
/// world (plus a DNS server, a scraper in another namespace, the host and the
/// world) in, commented least-privilege CNPs out. Set CILIUML7_UPDATE_GOLDEN=1
/// to rewrite the golden files after an intended change (then read the diff).
/// </summary>
public sealed class PolicyGeneratorTests
{
    private static readonly string TestData = RepoPaths.Combine("tests", "CiliumL7.Policy.Tests", "Generation", "testdata");
    private static readonly string FlowsFile = Path.Combine(TestData, "deathstar-flows.json");

    private static IReadOnlyList<ObservedFlow> Flows()
    {
        var (flows, errors) = HubbleFlowReader.Read(File.ReadAllLines(FlowsFile), FlowsFile);
        Assert.Empty(errors);
        return flows;
    }

    private static void AssertGolden(string name, string actual)
    {
        var path = Path.Combine(TestData, name);
        if (Environment.GetEnvironmentVariable("CILIUML7_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
        }
        Assert.Equal(File.ReadAllText(path), actual);
    }

    [Theory]
    [InlineData(false, "deathstar-l3l4.golden.yaml")]
    [InlineData(true, "deathstar-l7.golden.yaml")]
    public void Generate_DeathStarFlows_MatchesGolden(bool l7, string golden)
    {
        var result = PolicyGenerator.Generate(Flows(), new GenerationOptions { L7 = l7 });
        AssertGolden(golden, result.Yaml);
        var parsed = PolicyParser.ParseText(result.Yaml, golden);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        Assert.Equal(["deathstar-generated", "tiefighter-generated", "kube-dns-generated", "prometheus-generated"], parsed.Resources.Select(r => r.Name));
    }

    [Fact]
    public void Generate_ShuffledInput_SameBytes()
    {
        var flows = Flows();
        var expected = PolicyGenerator.Generate(flows, new GenerationOptions { L7 = true }).Yaml;
        for (var seed = 1; seed <= 5; seed++)
        {
            var rng = new Random(seed);
            List<ObservedFlow> shuffled = [.. flows.Select(f => (f, rng.Next())).OrderBy(t => t.Item2).Select(t => t.f)];
            Assert.Equal(expected, PolicyGenerator.Generate(shuffled, new GenerationOptions { L7 = true }).Yaml);
        }
    }

    [Fact]
    public void Generate_Labels_SecurityRelevantOnlyNeverPodIps()
    {
        var yaml = PolicyGenerator.Generate(Flows(), new GenerationOptions { L7 = true }).Yaml;
        Assert.DoesNotContain("pod-template-hash", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("10.244.", yaml, StringComparison.Ordinal);
        // A peer in another namespace is named with its namespace label; one in the policy's own namespace is left to CNP scoping.
        Assert.Contains("'k8s:io.kubernetes.pod.namespace': 'monitoring'", yaml, StringComparison.Ordinal);
        var deathstar = yaml.Split("---\n")[0];
        Assert.DoesNotContain("'default'", deathstar, StringComparison.Ordinal);
        // The world by address, reserved peers by entity.
        Assert.Contains("- '203.0.113.7/32'", deathstar, StringComparison.Ordinal);
        Assert.Contains("fromEntities:\n    - host", deathstar, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_DroppedFlows_AreNotAllowed()
    {
        var result = PolicyGenerator.Generate(Flows(), new GenerationOptions { L7 = true });
        Assert.DoesNotContain("xwing", result.Yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example.net", result.Yaml, StringComparison.Ordinal);
        Assert.Equal(2, result.Skipped.Single(s => s.Key.StartsWith("DROPPED", StringComparison.Ordinal)).Value);
    }

    [Fact]
    public void Generate_Dns_MatchNamesPatternSuggestionAndToFqdns()
    {
        var tiefighter = PolicyGenerator.Generate(Flows(), new GenerationOptions { L7 = true }).Policies.Single(p => p.Name == "tiefighter-generated").Yaml;
        Assert.Contains("- matchName: 'api.example.com'", tiefighter, StringComparison.Ordinal);
        Assert.Contains("# suggestion: matchPattern: '*.svc.example.org' would cover the 3 names", tiefighter, StringComparison.Ordinal);
        Assert.Contains("- toFQDNs:\n    - matchName: 'api.example.com'", tiefighter, StringComparison.Ordinal);
        // 198.51.100.21 was answered for a.svc.example.org: reached by name, not by address.
        Assert.DoesNotContain("198.51.100.21", tiefighter, StringComparison.Ordinal);
        // No name for 203.0.113.50: by address.
        Assert.Contains("- '203.0.113.50/32'", tiefighter, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_NamespaceAndSelector_OnlyThoseWorkloads()
    {
        var byNs = PolicyGenerator.Generate(Flows(), new GenerationOptions { Namespace = "kube-system" });
        Assert.Equal(["kube-dns-generated"], byNs.Policies.Select(p => p.Name));
        var bySelector = PolicyGenerator.Generate(Flows(), new GenerationOptions { Selector = [Label.Parse("class=deathstar", Label.SourceAny)] });
        Assert.Equal(["deathstar-generated"], bySelector.Policies.Select(p => p.Name));
    }

    [Theory]
    [InlineData("/v1/ships/17", "/v1/ships/[0-9]+", true, false)]
    [InlineData("/v1/ships/17?x=1", "/v1/ships/[0-9]+", true, true)]
    [InlineData("/v1/crew/3f2504e0-4f89-11d3-9a0c-0305e82c3301/badge", "/v1/crew/" + PathGeneralizer.UuidPattern + "/badge", true, false)]
    [InlineData("/v1/request-landing", "/v1/request-landing", false, false)]
    [InlineData("/v1/a.b+c(d)", @"/v1/a\.b\+c\(d\)", false, false)]
    [InlineData("/v2x/17a/abc", "/v2x/17a/abc", false, false)]
    [InlineData("/", "/", false, false)]
    public void Generalise_Segments_NumbersAndUuidsOnly(string path, string expected, bool generalised, bool query)
    {
        Assert.Equal(expected, PathGeneralizer.Generalise(path, out var g, out var q));
        Assert.Equal(generalised, g);
        Assert.Equal(query, q);
    }

    [Fact]
    public void Siblings_ThreeUnderOneParent_Suggested()
    {
        var names = new[] { "a.svc.example.org", "b.svc.example.org", "c.svc.example.org", "api.example.com", "example.com" };
        Assert.Equal([("svc.example.org", 3)], DnsSuggestions.Siblings(names, 3));
        Assert.Empty(DnsSuggestions.Siblings(["a.example.com", "b.example.com"], 3));
    }

    [Fact]
    public void Verify_GeneratedPolicies_AllObservedAllowedNeighboursRefused()
    {
        var options = new GenerationOptions { L7 = true };
        var result = PolicyGenerator.Generate(Flows(), options);
        var report = GeneratedPolicyVerifier.Verify(result, options);
        Assert.Empty(report.ValidationErrors);
        Assert.True(report.Ok, string.Join("\n", report.Lines()));
        Assert.Equal(report.Replayed, report.Allowed);
        Assert.True(report.Replayed >= 18, "replayed " + report.Replayed);
        Assert.Equal(2, report.AllowedByName);
        Assert.Equal(report.Neighbours, report.NeighboursRefused);
        Assert.Contains(report.NeighbourSample, s => s.Contains("DELETE /ciliuml7-unobserved -> DENIED", StringComparison.Ordinal));
        Assert.Contains(report.NeighbourSample, s => s.Contains("DNS unobserved.invalid -> DENIED", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_WiderPolicyMissingAPath_ReportsRefusedFlow()
    {
        var options = new GenerationOptions { L7 = true };
        var result = PolicyGenerator.Generate(Flows(), options);
        // Take away the rule for /v1/ships: the replay must notice.
        var broken = result with
        {
            Policies = [.. result.Policies.Select(p => p with { Yaml = p.Yaml.Replace("          path: '/v1/ships/[0-9]+(\\?.*)?'", "          path: '/v1/nothing'", StringComparison.Ordinal) })],
        };
        var report = GeneratedPolicyVerifier.Verify(broken, options);
        Assert.False(report.Ok);
        Assert.Contains(report.Refused, r => r.Contains("GET /v1/ships/17 -> DENIED", StringComparison.Ordinal));
    }

    [Fact]
    public void Cli_GenerateVerify_YamlOnStdoutReportOnStderr()
    {
        var root = new System.CommandLine.RootCommand("test");
        root.Subcommands.Add(PolicyCommand.Create());
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = root.Parse(["policy", "generate", "--from-flows", "--file", FlowsFile, "--l7", "--verify"])
            .Invoke(new System.CommandLine.InvocationConfiguration { Output = stdout, Error = stderr });
        Assert.Equal(0, exit);
        Assert.Equal(File.ReadAllText(Path.Combine(TestData, "deathstar-l7.golden.yaml")), stdout.ToString());
        Assert.Matches(@"verify: (\d+)/\1 observed flow\(s\) ALLOWED", stderr.ToString());
    }

    [Fact]
    public void Cli_BadLine_NamesFileAndLine()
    {
        var (_, errors) = HubbleFlowReader.Read(["{\"flow\":{}}", "not json"], "flows.json");
        Assert.Single(errors);
        Assert.StartsWith("flows.json:2: not valid JSON", errors[0], StringComparison.Ordinal);
    }
}
