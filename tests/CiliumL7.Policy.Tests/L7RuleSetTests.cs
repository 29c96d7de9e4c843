using CiliumL7.Policy.L7;
using CiliumL7.Policy.Resolution;
using CiliumL7.Policy.Tracing;

namespace CiliumL7.Policy.Tests;

/// <summary>The one rule-set abstraction: wildcard, decider, the egress-then-ingress chain, for every protocol.</summary>
public sealed class L7RuleSetTests
{
    [Fact]
    public void AndThen_Dns_BothSetsMustAllow()
    {
        var egress = new DnsRuleSet([new DnsRule(null, "*.empire.test", "ns/egress")], "ns/egress");
        var ingress = new DnsRuleSet([new DnsRule("api.empire.test", null, "ns/ingress")], "ns/ingress");
        var both = egress.AndThen(ingress);
        Assert.Equal(new L7Verdict(true, "ns/egress"), both.Judge("api.empire.test."));
        Assert.Equal(new L7Verdict(false, "ns/ingress"), both.Judge("www.empire.test"));
        Assert.Equal(new L7Verdict(false, "ns/egress"), both.Judge("cilium.io"));
        Assert.Same(ingress, both.Next);
        Assert.Null(egress.Next);
    }

    [Fact]
    public void AndThen_Kafka_BothSetsMustAllow()
    {
        var egress = KafkaRuleSet.AllowAllBy("ns/egress");
        var ingress = new KafkaRuleSet([new KafkaRule([0], null, null, "orders", "ns/ingress")], "ns/ingress");
        var both = egress.AndThen(ingress);
        Assert.True(both.Judge(0, 3, null, ["orders"]).Allowed);
        Assert.Equal(new L7Verdict(false, "ns/ingress"), both.Judge(0, 3, null, ["payments"]));
    }

    [Fact]
    public void AndThen_AnotherProtocol_Throws()
    {
        L7RuleSet http = HttpRuleSet.AllowAll;
        Assert.Throws<ArgumentException>(() => http.AndThen(DnsRuleSet.AllowAll));
    }

    [Theory]
    [InlineData(L7Parser.Http, typeof(HttpRuleSet))]
    [InlineData(L7Parser.Dns, typeof(DnsRuleSet))]
    [InlineData(L7Parser.Kafka, typeof(KafkaRuleSet))]
    public void Create_EachParser_BuildsItsSetFromItsOwnRulesOnly(L7Parser parser, Type expected)
    {
        IL7Rule[] rules =
        [
            new HttpRule("GET", null, null, [], "ns/p"),
            new DnsRule("a.test", null, "ns/p"),
            new KafkaRule(null, null, null, "t", "ns/p"),
        ];
        var set = L7RuleSet.Create(parser, rules, "ns/p");
        Assert.IsType(expected, set);
        Assert.Equal(parser, set.Parser);
        Assert.Equal(1, set.RuleCount);
        Assert.False(set.IsAllowAll);
        Assert.True(L7RuleSet.AllowAllOf(parser, "ns/w").IsAllowAll);
        Assert.Equal(0, L7RuleSet.DenyAllOf(parser).RuleCount);
    }

    [Fact]
    public void Create_NoParser_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => L7RuleSet.Create(L7Parser.None, [], null));
        Assert.Throws<ArgumentOutOfRangeException>(() => L7RuleSet.AllowAllOf((L7Parser)77, null));
    }

    [Fact]
    public void RedirectRules_EgressToLocalEndpointWithIngressRedirect_SourceRulesThenDestinationRules()
    {
        var w = new World();
        var client = w.Pod("client", "app=client");
        var api = w.Pod("api", "app=api");
        var snapshot = w.Resolve(
            Manifests.Cnp("""
                endpointSelector: {matchLabels: {app: client}}
                egress:
                - toEndpoints: [{matchLabels: {app: api}}]
                  toPorts:
                  - ports: [{port: "80", protocol: TCP}]
                    rules: {http: [{path: "/a"}, {path: "/b"}]}
                """, "egress"),
            Manifests.Cnp("""
                endpointSelector: {matchLabels: {app: api}}
                ingress:
                - fromEndpoints: [{matchLabels: {app: client}}]
                  toPorts:
                  - ports: [{port: "80", protocol: TCP}]
                    rules: {http: [{path: "/a"}]}
                """, "ingress"));
        var rules = new RedirectRules(snapshot);
        var set = rules.Get<HttpRuleSet>(client.Id, TrafficDirection.Egress, 80, Protocols.Tcp, api.Identity)!;
        Assert.Equal(new L7Verdict(true, "default/egress"), set.Judge(new TraceHttpRequest("GET", "/a")));
        Assert.Equal(new L7Verdict(false, "default/ingress"), set.Judge(new TraceHttpRequest("GET", "/b")));
        Assert.Equal(new L7Verdict(false, "default/egress"), set.Judge(new TraceHttpRequest("GET", "/c")));
        Assert.Same(set, rules.Get(client.Id, TrafficDirection.Egress, 80, Protocols.Tcp, api.Identity));
        Assert.Null(rules.Get<DnsRuleSet>(client.Id, TrafficDirection.Egress, 80, Protocols.Tcp, api.Identity));
        Assert.Null(rules.Get(client.Id, TrafficDirection.Egress, 81, Protocols.Tcp, api.Identity));
    }

    [Fact]
    public void RedirectRules_DnsOverUdpAndTcp_SameDnsRules()
    {
        var w = new World();
        var pod = w.Pod("pod", "app=pod");
        var snapshot = w.Resolve(Manifests.Cnp("""
            endpointSelector: {matchLabels: {app: pod}}
            egress:
            - toCIDR: [198.51.100.53/32]
              toPorts:
              - ports: [{port: "53", protocol: ANY}]
                rules: {dns: [{matchPattern: "*.empire.test"}]}
            """));
        var cidr = snapshot.CidrIdentities.Values.Single();
        var rules = new RedirectRules(snapshot);
        foreach (var proto in new[] { Protocols.Udp, Protocols.Tcp })
        {
            var set = rules.Get<DnsRuleSet>(pod.Id, TrafficDirection.Egress, 53, proto, cidr)!;
            Assert.True(set.Judge("api.empire.test.").Allowed);
            Assert.False(set.Judge("empire.test.").Allowed);
            Assert.Null(rules.Get<HttpRuleSet>(pod.Id, TrafficDirection.Egress, 53, proto, cidr));
        }
    }
}
