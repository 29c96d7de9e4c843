using System.CommandLine;
using System.Text.Json.Nodes;
using CiliumL7.Cli;
using CiliumL7.TestSupport;

namespace CiliumL7.Policy.Tests;

public sealed class CliTests
{
    private static readonly string Examples = RepoPaths.Combine("examples", "deathstar");
    private static readonly string L4 = Path.Combine(Examples, "sw_l3_l4_policy.yaml");
    private static readonly string L7 = Path.Combine(Examples, "sw_l3_l4_l7_policy.yaml");

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(PolicyCommand.Create());
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = root.Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n')[^1].TrimEnd('\r');

    [Fact]
    public void Validate_CorrectPolicies_ExitZeroWithOneLinePerResource()
    {
        var (exit, stdout, stderr) = Run("policy", "validate", L4, L7);
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        var lines = stdout.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains("CiliumNetworkPolicy default/allow-empire-in-namespace: valid", lines[0], StringComparison.Ordinal);
        Assert.Contains("L7 rules 1", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TypoPolicy_ExitOneWithDidYouMean()
    {
        var (exit, _, stderr) = Run("policy", "validate", Path.Combine(Examples, "sw_policy_typo.yaml"));
        Assert.Equal(1, exit);
        Assert.Contains("sw_policy_typo.yaml:11: CiliumNetworkPolicy default/allow-empire-in-namespace: spec.endpointSelector.matchLables: unknown field; did you mean \"matchLabels\"?", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MisindentedPolicy_ExitOneWithSyntaxErrorLine()
    {
        var (exit, _, stderr) = Run("policy", "validate", Path.Combine(Examples, "sw_l7_misindented.yaml"));
        Assert.Equal(1, exit);
        Assert.Contains("sw_l7_misindented.yaml:25: YAML syntax error", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Directory_ReportsEveryFlawedFile()
    {
        var (exit, stdout, stderr) = Run("policy", "validate", Examples);
        Assert.Equal(1, exit);
        Assert.Contains("sw_policy_typo.yaml", stderr, StringComparison.Ordinal);
        Assert.Contains("sw_l7_misindented.yaml", stderr, StringComparison.Ordinal);
        Assert.Contains("2 error(s) in 2 file(s)", stderr, StringComparison.Ordinal);
        Assert.Contains("sw_l3_l4_policy.yaml", stdout, StringComparison.Ordinal);
    }

    [Theory]
    // the tutorial's three outcomes
    [InlineData("org=alliance,class=xwing", "POST", "/v1/request-landing", "verdict: DROPPED")]
    [InlineData("org=empire,class=tiefighter", "POST", "/v1/request-landing", "verdict: ALLOWED")]
    [InlineData("org=empire,class=tiefighter", "PUT", "/v1/exhaust-port", "verdict: DENIED")]
    public void Trace_DeathStarL7Policy_GivesTutorialOutcome(string src, string method, string path, string verdict)
    {
        var (exit, stdout, stderr) = Run("policy", "trace", L7, "--src", src, "--dst", "org=empire,class=deathstar", "--dport", "80",
            "--http-method", method, "--http-path", path);
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        Assert.Equal(verdict, LastLine(stdout));
        if (verdict != "verdict: DROPPED")
        {
            Assert.Contains("default/allow-empire-in-namespace spec.ingress[0].toPorts[0]", stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("org=alliance,class=xwing", "POST", "/v1/request-landing", "verdict: AUDITED (would be DROPPED by default/allow-empire-in-namespace)")]
    [InlineData("org=empire,class=tiefighter", "POST", "/v1/request-landing", "verdict: ALLOWED")]
    [InlineData("org=empire,class=tiefighter", "PUT", "/v1/exhaust-port", "verdict: AUDITED (would be DENIED by default/allow-empire-in-namespace)")]
    public void Trace_AuditFlag_TracesAsImportAuditPutsItInForce(string src, string method, string path, string verdict)
    {
        var (exit, stdout, stderr) = Run("policy", "trace", "--audit", L7, "--src", src, "--dst", "org=empire,class=deathstar", "--dport", "80",
            "--http-method", method, "--http-path", path);
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        Assert.Equal(verdict, LastLine(stdout));
    }

    [Fact]
    public void Trace_L3L4Policy_TiefighterExhaustPortStillAllowed()
    {
        var (_, stdout, _) = Run("policy", "trace", L4, "--src", "org=empire,class=tiefighter", "--dst", "org=empire,class=deathstar", "--dport", "80",
            "--http-method", "PUT", "--http-path", "/v1/exhaust-port");
        Assert.Equal("verdict: ALLOWED", LastLine(stdout));
    }

    [Fact]
    public void Trace_OtherNamespace_IsDropped()
    {
        var (_, stdout, _) = Run("policy", "trace", L4, "--src", "org=empire,class=tiefighter", "--src-namespace", "rebels", "--dst", "org=empire,class=deathstar", "--dport", "80");
        Assert.Equal("verdict: DROPPED", LastLine(stdout));
    }

    [Fact]
    public void Trace_JsonOutput_CarriesVerdictAndDecidingRule()
    {
        var (exit, stdout, _) = Run("policy", "trace", L7, "--src", "org=empire,class=tiefighter", "--dst", "org=empire,class=deathstar", "--dport", "80",
            "--http-method", "POST", "--http-path", "/v1/request-landing", "-o", "json");
        Assert.Equal(0, exit);
        var json = JsonNode.Parse(stdout)!;
        Assert.Equal("ALLOWED", (string?)json["verdict"]);
        Assert.Equal("REDIRECT", (string?)json["ingress"]!["action"]);
        Assert.Equal("spec.ingress[0].toPorts[0].rules.http[0]", (string?)json["ingress"]!["l7"]!["rule"]);
    }

    [Fact]
    public void Validate_DnsKafkaAndFqdnRules_WarnWhatHappensToTheTrafficExitZero()
    {
        var dir = Directory.CreateTempSubdirectory("ciliuml7-validate-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "p.yaml"), Manifests.Cnp("""
                endpointSelector: {matchLabels: {app: client}}
                egress:
                - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, k8s-app: kube-dns}}]
                  toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*.cilium.io"}]}}]
                - toEndpoints: [{matchLabels: {app: kafka}}]
                  toPorts: [{ports: [{port: "9092", protocol: TCP}], rules: {kafka: [{role: produce, topic: plans}]}}]
                - toFQDNs: [{matchName: docs.cilium.io}]
                """));

            var (exit, _, stderr) = Run("policy", "validate", dir.FullName);

            Assert.Equal(0, exit);
            var expected = new (Enforcement.RuleKind Kind, string Path)[]
            {
                (Enforcement.RuleKind.DnsRules, "spec.egress[0].toPorts[0].rules.dns"),
                (Enforcement.RuleKind.KafkaRules, "spec.egress[1].toPorts[0].rules.kafka"),
                (Enforcement.RuleKind.ToFqdns, "spec.egress[2].toFQDNs"),
            };
            foreach (var (kind, path) in expected)
            {
                if (Enforcement.UnenforcedRuleKinds.Find(kind) is { } entry)
                {
                    Assert.Contains($": {path}: WARNING: {entry.Effect}.", stderr, StringComparison.Ordinal);
                }
                else
                {
                    Assert.DoesNotContain(path + ": WARNING", stderr, StringComparison.Ordinal);
                }
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Trace_DstFqdn_AllowedOnlyForMatchingNameAndPort()
    {
        var dir = Directory.CreateTempSubdirectory("ciliuml7-trace-fqdn-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "p.yaml"), Manifests.Cnp("""
                endpointSelector: {matchLabels: {app: client}}
                egress:
                - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system}}]
                  toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*.empire.test"}]}}]
                - toFQDNs: [{matchName: api.empire.test}]
                  toPorts: [{ports: [{port: "80", protocol: TCP}]}]
                """));
            string[] trace = ["policy", "trace", dir.FullName, "--src", "app=client", "--dport", "80"];
            var (exit, stdout, _) = Run([.. trace, "--dst-fqdn", "api.empire.test"]);
            Assert.Equal(0, exit);
            Assert.Contains("an address learned for api.empire.test", stdout, StringComparison.Ordinal);
            Assert.Equal("verdict: ALLOWED", LastLine(stdout));
            Assert.Equal("verdict: DROPPED", LastLine(Run([.. trace, "--dst-fqdn", "www.empire.test"]).Out));
            Assert.Equal("verdict: DROPPED", LastLine(Run("policy", "trace", dir.FullName, "--src", "app=client", "--dport", "443", "--dst-fqdn", "api.empire.test").Out));
            Assert.Equal(2, Run([.. trace]).Exit); // no destination at all
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Trace_DnsAndKafkaRules_AreJudged()
    {
        var dir = Directory.CreateTempSubdirectory("ciliuml7-trace-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "p.yaml"), Manifests.Cnp("""
                endpointSelector: {matchLabels: {app: client}}
                egress:
                - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, k8s-app: kube-dns}}]
                  toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*.cilium.io"}]}}]
                - toEndpoints: [{matchLabels: {app: kafka}}]
                  toPorts: [{ports: [{port: "9092", protocol: TCP}], rules: {kafka: [{role: produce, topic: plans}]}}]
                """));
            string[] dns = ["policy", "trace", dir.FullName, "--src", "app=client", "--dst", "k8s-app=kube-dns", "--dst-namespace", "kube-system", "--dport", "53", "--protocol", "UDP"];
            string[] kafka = ["policy", "trace", dir.FullName, "--src", "app=client", "--dst", "app=kafka", "--dport", "9092", "--kafka-api-key", "produce"];
            // Until a kind is enforced, the trace says what the datapath does (drop), never "allowed".
            var dnsOff = Enforcement.UnenforcedRuleKinds.Find(Enforcement.RuleKind.DnsRules);
            var kafkaOff = Enforcement.UnenforcedRuleKinds.Find(Enforcement.RuleKind.KafkaRules);
            Assert.Equal(dnsOff is null ? "verdict: ALLOWED" : "verdict: DROPPED", LastLine(Run([.. dns, "--dns-query", "docs.cilium.io"]).Out));
            Assert.Equal(dnsOff is null ? "verdict: DENIED" : "verdict: DROPPED", LastLine(Run([.. dns, "--dns-query", "evil.com"]).Out));
            Assert.Equal(kafkaOff is null ? "verdict: ALLOWED" : "verdict: DROPPED", LastLine(Run([.. kafka, "--kafka-topic", "plans"]).Out));
            Assert.Equal(kafkaOff is null ? "verdict: DENIED" : "verdict: DROPPED", LastLine(Run([.. kafka, "--kafka-topic", "plans", "--kafka-topic", "secrets"]).Out));
            if (dnsOff is not null)
            {
                Assert.Contains(dnsOff.Effect + ": DROPPED (the rules would say: query docs.cilium.io: allowed by", Run([.. dns, "--dns-query", "docs.cilium.io"]).Out, StringComparison.Ordinal);
            }
            Assert.Equal("verdict: DROPPED", LastLine(Run("policy", "trace", dir.FullName, "--src", "app=client", "--dst", "app=web", "--dport", "80").Out));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Trace_InvalidPolicy_ExitOneWithErrors()
    {
        var (exit, stdout, stderr) = Run("policy", "trace", Path.Combine(Examples, "sw_policy_typo.yaml"), "--src", "a=b", "--dst", "c=d", "--dport", "80");
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains("matchLables", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_MissingRequiredOption_FailsWithUsageError()
    {
        var (exit, _, stderr) = Run("policy", "trace", L7, "--src", "a=b", "--dport", "80");
        Assert.NotEqual(0, exit);
        Assert.Contains("--dst", stderr, StringComparison.Ordinal);
    }
}
