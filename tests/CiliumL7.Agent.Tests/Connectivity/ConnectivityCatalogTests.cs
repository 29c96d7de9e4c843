using CiliumL7.Connectivity;
using CiliumL7.Connectivity.Model;
using CiliumL7.Connectivity.Running;
using CiliumL7.Connectivity.Suites;
using CiliumL7.Hubble.Api;
using CiliumL7.Policy.Api;

namespace CiliumL7.Agent.Tests.Connectivity;

/// <summary>The connectivity test's catalog, selection, expectations and summary line (no agent needed).</summary>
public sealed class ConnectivityCatalogTests
{
    [Fact]
    public void Catalog_All_AtLeast25RunnableTestsWithUniqueCiliumCliNames()
    {
        var all = TestCatalog.All();
        Assert.True(all.Count(t => t.SkipReason is null) >= 25);
        Assert.Equal(all.Count, all.Select(t => t.Name).Distinct().Count());
        foreach (var name in new[] { "no-policies", "allow-all-except-world", "client-ingress", "client-egress", "all-ingress-deny", "all-egress-deny", "echo-ingress-l7", "client-egress-l7", "to-entities-world", "to-cidr-external" })
        {
            Assert.Contains(all, t => t.Name == name && t.SkipReason is null);
        }
        foreach (var name in new[] { "dns-only", "to-fqdns", "client-egress-l7-fqdn", "client-egress-kafka-produce", "client-egress-kafka-consume" })
        {
            Assert.Contains(all, t => t.Name == name && t.SkipReason is null);
        }
    }

    [Fact]
    public void Catalog_EveryAction_ExpectationFitsItsClient()
    {
        foreach (var action in TestCatalog.All().SelectMany(t => t.Actions))
        {
            var dns = action.Expect is Expect.DnsAnswered or Expect.DnsRefused;
            var kafka = action.Expect is Expect.KafkaAllowed or Expect.KafkaDenied;
            Assert.True(dns == (action.Dns is not null), action.Name);
            Assert.True(kafka == (action.Kafka is not null), action.Name);
            Assert.True(action.Dns is null || action.To == Peer.WorldDns, action.Name);
            Assert.True(action.Kafka is null || action.To == Peer.Kafka, action.Name);
        }
    }

    [Theory]
    [InlineData(";; ->>HEADER<<- opcode: QUERY, status: REFUSED, id: 4242\n", "REFUSED")]
    [InlineData(";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n;; ANSWER SECTION:\n", "NOERROR")]
    [InlineData(";; communications error to 198.51.100.53#53: timed out\n", null)]
    public void DigStatus_Output_StatusOrNull(string output, string? status) => Assert.Equal(status, DigCommand.Status(output));

    [Fact]
    public void Check_DnsAndKafkaExpectations_FlowsRequired()
    {
        var dnsRequest = new Flow { Verdict = Verdict.Dropped, L7 = new Layer7 { Type = L7FlowType.Request, Dns = new DNS { Query = "x." } } };
        var refused = new Flow { Verdict = Verdict.Forwarded, L7 = new Layer7 { Type = L7FlowType.Response, Dns = new DNS { Query = "x.", Rcode = 5 } } };
        Assert.Empty(FlowValidator.Check(Expect.DnsRefused, [dnsRequest, refused]));
        Assert.Single(FlowValidator.Check(Expect.DnsRefused, [dnsRequest]));
        Assert.Equal(2, FlowValidator.Check(Expect.DnsAnswered, [dnsRequest, refused]).Count);
        var denied = new Flow { Verdict = Verdict.Dropped, L7 = new Layer7 { Type = L7FlowType.Request, Kafka = new Kafka { Topic = "t", ErrorCode = 29 } } };
        Assert.Empty(FlowValidator.Check(Expect.KafkaDenied, [denied]));
        Assert.Equal(2, FlowValidator.Check(Expect.KafkaAllowed, [denied]).Count);
        Assert.Single(FlowValidator.Check(Expect.KafkaDenied, []));
    }

    [Fact]
    public void Catalog_EveryPolicy_ParsesWithoutErrors()
    {
        foreach (var test in TestCatalog.All())
        {
            foreach (var yaml in test.Policies)
            {
                var result = PolicyParser.ParseText(yaml.Replace(Cnp.Namespace, "ciliuml7-test", StringComparison.Ordinal), test.Name + ".yaml");
                Assert.True(result.Errors.Count == 0, test.Name + ": " + string.Join("; ", result.Errors));
            }
        }
    }

    [Theory]
    [InlineData(new string[0], "client-egress-l7", true)]
    [InlineData(new[] { "l7" }, "client-egress-l7", true)]
    [InlineData(new[] { "l7" }, "no-policies", false)]
    [InlineData(new[] { "!l7" }, "client-egress-l7", false)]
    [InlineData(new[] { "!l7" }, "no-policies", true)]
    [InlineData(new[] { "egress", "!l7" }, "client-egress", true)]
    [InlineData(new[] { "egress,!l7" }, "client-egress-l7", false)]
    [InlineData(new[] { "^no-policies$" }, "no-policies", true)]
    public void TestSelector_Patterns_SelectLikeCiliumCli(string[] patterns, string name, bool selected) =>
        Assert.Equal(selected, TestSelector.Parse(patterns).Matches(name));

    [Fact]
    public void TestSelector_BadRegex_ErrorNamesTheValue()
    {
        var e = Assert.Throws<ArgumentException>(() => TestSelector.Parse(["l7("]));
        Assert.Contains("--test \"l7(\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FlowValidatorCheck_DropWithOtherReason_ReportsExpectedAndSeen()
    {
        var flow = new Flow { Verdict = Verdict.Dropped, DropReasonDesc = DropReason.PolicyDenied };
        var problems = FlowValidator.Check(Expect.DroppedDenyRule, [flow]);
        Assert.Equal("expected a DROPPED flow with reason POLICY_DENY; saw POLICY_DENIED", Assert.Single(problems));
        Assert.Empty(FlowValidator.Check(Expect.DroppedDefaultDeny, [flow]));
        Assert.NotEmpty(FlowValidator.Check(Expect.Allowed, [flow]));
    }

    [Fact]
    public void FlowValidatorCheck_L7Deny_NeedsDroppedRequestAnd403()
    {
        var request = new Flow { Verdict = Verdict.Dropped, L7 = new Layer7 { Type = L7FlowType.Request, Http = new HTTP { Method = "PUT" } } };
        var response = new Flow { Verdict = Verdict.Forwarded, L7 = new Layer7 { Type = L7FlowType.Response, Http = new HTTP { Code = 403 } } };
        Assert.Empty(FlowValidator.Check(Expect.L7Denied, [request, response]));
        Assert.Single(FlowValidator.Check(Expect.L7Denied, [request]));
        Assert.Equal(2, FlowValidator.Check(Expect.AllowedL7, [request, response]).Count);
    }

    [Fact]
    public void RunReport_Summary_MatchesCiliumCliLastLine()
    {
        var passed = new TestResult { Test = new ConnectivityTest("a", [], []), Actions = [Action(true), Action(true)] };
        var failed = new TestResult { Test = new ConnectivityTest("b", [], []), Actions = [Action(false), Action(true)] };
        var skipped = new TestResult { Test = ConnectivityTest.Skipped("c", "why"), SkipReason = "why" };
        Assert.Equal("✅ All 1 tests (2 actions) successful, 1 tests skipped", new RunReport([passed, skipped], TimeSpan.Zero, false).Summary);
        Assert.Equal("❌ 1/2 tests failed (1/4 actions), 1 tests skipped", new RunReport([passed, failed, skipped], TimeSpan.Zero, false).Summary);
        Assert.False(new RunReport([passed], TimeSpan.Zero, Cancelled: true).Success);
    }

    private static ActionResult Action(bool ok) => new()
    {
        Action = TestAction.Http("x", Peer.Client, Peer.Echo, Expect.Allowed),
        Command = "curl",
        Failures = ok ? [] : ["curl exit 28"],
    };
}
