using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.L7;
using CiliumL7.Policy.Resolution;
using CiliumL7.Policy.Tracing;

namespace CiliumL7.Policy.Tests.Audit;

/// <summary>Per-policy and per-endpoint audit mode in resolution and in <c>policy trace</c>.</summary>
public sealed class AuditModeTests
{
    private const string Strict = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: strict
          namespace: default
          annotations:
            ciliuml7.io/audit: "true"
        spec:
          endpointSelector:
            matchLabels: {org: empire, class: deathstar}
          ingress:
          - fromEndpoints:
            - matchLabels: {org: empire}
            toPorts:
            - ports: [{port: "80", protocol: TCP}]
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
          namespace: default
        spec:
          endpointSelector:
            matchLabels: {org: empire, class: deathstar}
          ingress:
          - fromEntities: [all]
          ingressDeny:
          - fromEndpoints:
            - matchLabels: {class: xwing}
        """;

    private const string AuditDenyProbe = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: audit-deny-probe
          namespace: default
          annotations:
            ciliuml7.io/audit: "true"
        spec:
          endpointSelector:
            matchLabels: {org: empire, class: deathstar}
          ingress:
          - fromEntities: [all]
          ingressDeny:
          - fromEndpoints:
            - matchLabels: {class: probe}
        """;

    private const string EnforcingL7 = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: enforcing-l7
          namespace: default
        spec:
          endpointSelector:
            matchLabels: {org: empire, class: deathstar}
          ingress:
          - fromEndpoints:
            - matchLabels: {org: empire}
            toPorts:
            - ports: [{port: "80", protocol: TCP}]
              rules:
                http:
                - method: POST
                - method: PUT
        """;

    private static IReadOnlyList<PolicyResource> Parse(params string[] yaml)
    {
        var result = PolicyParser.ParseText(string.Join("\n---\n", yaml), "test.yaml");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Resources;
    }

    private static LabelSet Pod(string labels) => LabelSet.Parse("k8s:io.kubernetes.pod.namespace=default," + labels);

    private static TraceResult Trace(IReadOnlyList<PolicyResource> policies, string src, string? method = null, string? path = null)
        => PolicyTracer.Trace(policies, new TraceRequest
        {
            Source = Pod(src), Destination = Pod("k8s:org=empire,k8s:class=deathstar"), Port = 80,
            Http = method is null ? null : new TraceHttpRequest(method, path!),
        });

    [Fact]
    public void Parse_AuditAnnotation_SetsAudit()
    {
        Assert.True(Parse(Strict)[0].Audit);
        Assert.False(Parse(DenyXwing)[0].Audit);
    }

    [Fact]
    public void Parse_AuditAnnotationNotBoolean_ErrorNamesField()
    {
        var result = PolicyParser.ParseText(Strict.Replace("\"true\"", "yes-please", StringComparison.Ordinal), "p.yaml");
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.ToString().Contains("metadata.annotations.ciliuml7.io/audit", StringComparison.Ordinal)
            && e.ToString().Contains("yes-please", StringComparison.Ordinal));
    }

    [Fact]
    public void Trace_AuditedL3L4Drop_AuditedWouldBeDropped()
    {
        var result = Trace(Parse(Strict), "k8s:org=alliance,k8s:class=xwing");
        Assert.Equal(TraceVerdict.Audited, result.Verdict);
        Assert.Equal("verdict: AUDITED (would be DROPPED by default/strict)", result.VerdictLine);
    }

    [Fact]
    public void Trace_AuditedL7Deny_AuditedWouldBeDenied()
    {
        var result = Trace(Parse(Strict), "k8s:org=empire,k8s:class=tiefighter", "PUT", "/v1/exhaust-port");
        Assert.Equal("verdict: AUDITED (would be DENIED by default/strict)", result.VerdictLine);
        Assert.Equal(TraceVerdict.Allowed, Trace(Parse(Strict), "k8s:org=empire,k8s:class=tiefighter", "POST", "/v1/request-landing").Verdict);
    }

    [Fact]
    public void Trace_EnforcingDenyBesideAuditedPolicy_DenyWins()
    {
        var policies = Parse(Strict, DenyXwing);
        Assert.Equal(TraceVerdict.Dropped, Trace(policies, "k8s:org=alliance,k8s:class=xwing").Verdict);
    }

    [Fact]
    public void Trace_AuditedL7BesideEnforcingL3L4_RedirectedAndAuditedWouldBeDenied()
    {
        var policies = Parse(Strict, DenyXwing);
        // The enforcing policy allows port 80 at L3/L4 only: the port is redirected with an allow-all set so the audited rules are judged.
        var put = Trace(policies, "k8s:org=empire,k8s:class=tiefighter", "PUT", "/v1/exhaust-port");
        Assert.Equal("verdict: AUDITED (would be DENIED by default/strict)", put.VerdictLine);
        Assert.Contains(put.Ingress!.Lines, l => l.Contains("by default/deny-xwing spec.ingress[0], redirected to the HTTP proxy so that the audited policies' HTTP rules are judged (default/deny-xwing allows every request)", StringComparison.Ordinal));
        Assert.DoesNotContain(put.Ingress.Lines, l => l.Contains("not judged", StringComparison.Ordinal));
        Assert.Equal(TraceVerdict.Allowed, Trace(policies, "k8s:org=empire,k8s:class=tiefighter", "POST", "/v1/request-landing").Verdict);
        Assert.Equal(TraceVerdict.Dropped, Trace(policies, "k8s:org=alliance,k8s:class=xwing", "POST", "/v1/request-landing").Verdict);
    }

    [Fact]
    public void Resolve_AuditedL7BesideEnforcingL3L4_ForAuditRedirectWithAllowAllSet()
    {
        var identities = new InMemoryIdentityAllocator();
        var ds = Pod("k8s:org=empire,k8s:class=deathstar");
        var tie = identities.GetOrAllocate(Pod("k8s:org=empire,k8s:class=tiefighter"));
        var xwing = identities.GetOrAllocate(Pod("k8s:org=alliance,k8s:class=xwing"));
        var id = identities.GetOrAllocate(ds);
        var ep = PolicyResolver.Resolve(Parse(Strict, DenyXwing), [new EndpointInfo(1, "default", "ds", ds, id)], identities).Endpoints[1];

        var entry = ep.Lookup(TrafficDirection.Ingress, tie, Protocols.Tcp, 80);
        Assert.Equal(PolicyAction.Redirect, entry?.Action);
        Assert.True(entry!.Value.ForAudit);
        Assert.Equal(L7Parser.Http, entry.Value.Parser);
        Assert.Equal("default/deny-xwing", entry.Value.PolicyName);
        var set = ep.GetRules(TrafficDirection.Ingress, 80, Protocols.Tcp, tie);
        Assert.True(set is { IsAllowAll: true, DeciderName: "default/deny-xwing" });
        // Other ports stay L3/L4; deny still wins; peers the audited set does not name are not redirected.
        Assert.Equal(PolicyAction.Allow, ep.Lookup(TrafficDirection.Ingress, tie, Protocols.Tcp, 8080)?.Action);
        Assert.Equal(PolicyAction.Deny, ep.Lookup(TrafficDirection.Ingress, xwing, Protocols.Tcp, 80)?.Action);
        Assert.DoesNotContain(ep.Entries, e => e.ForAudit && e.RemoteIdentity == xwing);
    }

    [Fact]
    public void RedirectRules_AuditedHttpBesideEnforcingL3L4_ForwardedAuditedDenyNamesAuditedPolicy()
    {
        var identities = new InMemoryIdentityAllocator();
        var ds = Pod("k8s:org=empire,k8s:class=deathstar");
        var tie = identities.GetOrAllocate(Pod("k8s:org=empire,k8s:class=tiefighter"));
        var id = identities.GetOrAllocate(ds);
        var snapshot = PolicyResolver.Resolve(Parse(Strict, DenyXwing), [new EndpointInfo(1, "default", "ds", ds, id)], identities);
        var rules = new RedirectRules(snapshot).Get<HttpRuleSet>(1, TrafficDirection.Ingress, 80, Protocols.Tcp, tie);

        Assert.NotNull(rules);
        var put = rules.Judge(new TraceHttpRequest("PUT", "/v1/exhaust-port"));
        Assert.True(put is { Allowed: true, Audited: true, PolicyName: "default/strict" });
        var post = rules.Judge(new TraceHttpRequest("POST", "/v1/request-landing"));
        Assert.True(post is { Allowed: true, Audited: false });
    }

    private const string EgressL4 = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: egress-l4
          namespace: default
        spec:
          endpointSelector:
            matchLabels: {class: client}
          egress:
          - toEntities: [all]
            toPorts:
            - ports: [{port: "53", protocol: ANY}, {port: "9092", protocol: TCP}]
        """;

    private const string AuditedDnsKafka = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: audited-l7
          namespace: default
          annotations:
            ciliuml7.io/audit: "true"
        spec:
          endpointSelector:
            matchLabels: {class: client}
          egress:
          - toEntities: [all]
            toPorts:
            - ports: [{port: "53", protocol: ANY}]
              rules:
                dns:
                - matchName: allowed.test
            - ports: [{port: "9092", protocol: TCP}]
              rules:
                kafka:
                - role: produce
                  topic: allowed-topic
        """;

    [Fact]
    public void RedirectRules_AuditedDnsAndKafkaBesideEnforcingL3L4_RedirectedAuditedDenyForwarded()
    {
        var identities = new InMemoryIdentityAllocator();
        var client = Pod("k8s:class=client");
        var id = identities.GetOrAllocate(client);
        var world = ReservedIdentity.World;
        var snapshot = PolicyResolver.Resolve(Parse(EgressL4, AuditedDnsKafka), [new EndpointInfo(1, "default", "client", client, id)], identities);
        var ep = snapshot.Endpoints[1];
        foreach (var proto in new[] { Protocols.Udp, Protocols.Tcp })
        {
            var dnsEntry = ep.Lookup(TrafficDirection.Egress, world, proto, 53);
            Assert.True(dnsEntry is { Action: PolicyAction.Redirect, Parser: L7Parser.Dns, ForAudit: true, PolicyName: "default/egress-l4" });
        }
        Assert.True(ep.Lookup(TrafficDirection.Egress, world, Protocols.Tcp, 9092) is { Action: PolicyAction.Redirect, Parser: L7Parser.Kafka, ForAudit: true });
        Assert.True(ep.Lookup(TrafficDirection.Egress, world, Protocols.Sctp, 53) is { Action: PolicyAction.Allow, ForAudit: false });
        Assert.Null(ep.Lookup(TrafficDirection.Egress, world, Protocols.Tcp, 443));

        var redirect = new RedirectRules(snapshot);
        var dns = redirect.Get<DnsRuleSet>(1, TrafficDirection.Egress, 53, Protocols.Udp, world);
        Assert.NotNull(dns);
        Assert.True(dns.Judge("allowed.test.") is { Allowed: true, Audited: false });
        Assert.True(dns.Judge("other.test.") is { Allowed: true, Audited: true, PolicyName: "default/audited-l7" });

        var kafka = redirect.Get<KafkaRuleSet>(1, TrafficDirection.Egress, 9092, Protocols.Tcp, world);
        Assert.NotNull(kafka);
        Assert.True(kafka.Judge(0, 9, "c", ["allowed-topic"]) is { Allowed: true, Audited: false });
        Assert.True(kafka.Judge(0, 9, "c", ["other-topic"]) is { Allowed: true, Audited: true, PolicyName: "default/audited-l7" });
    }

    [Fact]
    public void Trace_AuditedDnsBesideEnforcingL3L4_AuditedWouldBeDenied()
    {
        var policies = Parse(EgressL4, AuditedDnsKafka);
        TraceResult Dns(string name) => PolicyTracer.Trace(policies, new TraceRequest
        {
            Source = Pod("k8s:class=client"), Destination = LabelSet.Parse("reserved:world"), Port = 53, Protocol = Protocols.Udp, DnsQuery = name,
        });
        Assert.Equal(TraceVerdict.Allowed, Dns("allowed.test").Verdict);
        Assert.Equal("verdict: AUDITED (would be DENIED by default/audited-l7)", Dns("other.test").VerdictLine);
    }

    [Fact]
    public void Trace_AuditedBesideEnforcing_EnforcingAllowsAuditedWouldDrop_Audited()
    {
        var result = Trace(Parse(Strict, DenyXwing), "k8s:org=alliance,k8s:class=probe");
        Assert.Equal(TraceVerdict.Audited, result.Verdict);
        Assert.Equal("verdict: AUDITED (would be DROPPED by default/strict)", result.VerdictLine);
    }

    [Fact]
    public void Trace_AuditedExplicitDenyBesideEnforcing_AuditedNotEnforced()
    {
        var policies = Parse(AuditDenyProbe, DenyXwing);
        Assert.Equal("verdict: AUDITED (would be DROPPED by default/audit-deny-probe)", Trace(policies, "k8s:org=alliance,k8s:class=probe").VerdictLine);
        Assert.Equal(TraceVerdict.Dropped, Trace(policies, "k8s:org=alliance,k8s:class=xwing").Verdict);
        Assert.Equal(TraceVerdict.Allowed, Trace(policies, "k8s:org=empire,k8s:class=tiefighter").Verdict);
    }

    [Fact]
    public void Trace_AuditedL7BesideEnforcingL7_AuditedWouldBeDenied()
    {
        var policies = Parse(Strict, EnforcingL7);
        Assert.Equal("verdict: AUDITED (would be DENIED by default/strict)", Trace(policies, "k8s:org=empire,k8s:class=tiefighter", "PUT", "/v1/exhaust-port").VerdictLine);
        Assert.Equal(TraceVerdict.Allowed, Trace(policies, "k8s:org=empire,k8s:class=tiefighter", "POST", "/v1/request-landing").Verdict);
        Assert.Equal(TraceVerdict.Denied, Trace(policies, "k8s:org=empire,k8s:class=tiefighter", "DELETE", "/v1/request-landing").Verdict);
    }

    [Fact]
    public void Resolve_AuditedBesideEnforcing_EnforcingEntriesDecideAuditEntriesBeside()
    {
        var identities = new InMemoryIdentityAllocator();
        var ds = Pod("k8s:org=empire,k8s:class=deathstar");
        identities.GetOrAllocate(Pod("k8s:org=alliance,k8s:class=probe"));
        var id = identities.GetOrAllocate(ds);
        var snapshot = PolicyResolver.Resolve(Parse(AuditDenyProbe, DenyXwing), [new EndpointInfo(1, "default", "ds", ds, id)], identities);
        var ep = snapshot.Endpoints[1];
        Assert.False(ep.IsAudited(TrafficDirection.Ingress));
        Assert.True(ep.Audit.IngressBeside);
        Assert.False(ep.Audit.EgressBeside);
        Assert.Equal(["default/audit-deny-probe"], ep.Audit.IngressPolicies);
        Assert.All(ep.Entries.Where(e => e.Direction == TrafficDirection.Ingress), e => Assert.Equal("default/deny-xwing", e.PolicyName));
        Assert.Contains(ep.AuditEntries, e => e.Action == PolicyAction.Deny && e.PolicyName == "default/audit-deny-probe");
        Assert.DoesNotContain(ep.AuditEntries, e => e.PolicyName == "default/deny-xwing");
    }

    [Fact]
    public void RedirectRules_AuditedL7BesideEnforcingL7_EnforcedDenyWinsAuditedDenyForwarded()
    {
        var identities = new InMemoryIdentityAllocator();
        var ds = Pod("k8s:org=empire,k8s:class=deathstar");
        var tie = identities.GetOrAllocate(Pod("k8s:org=empire,k8s:class=tiefighter"));
        var id = identities.GetOrAllocate(ds);
        var snapshot = PolicyResolver.Resolve(Parse(Strict, EnforcingL7), [new EndpointInfo(1, "default", "ds", ds, id)], identities);
        var rules = new RedirectRules(snapshot).Get<HttpRuleSet>(1, TrafficDirection.Ingress, 80, Protocols.Tcp, tie);

        Assert.NotNull(rules);
        var put = rules.Judge(new TraceHttpRequest("PUT", "/v1/exhaust-port"));
        Assert.True(put.Allowed);
        Assert.True(put.Audited);
        Assert.Equal("default/strict", put.PolicyName);
        var post = rules.Judge(new TraceHttpRequest("POST", "/v1/request-landing"));
        Assert.True(post is { Allowed: true, Audited: false });
        var delete = rules.Judge(new TraceHttpRequest("DELETE", "/v1/request-landing"));
        Assert.False(delete.Allowed);
        Assert.False(delete.Audited);
        Assert.Equal("default/enforcing-l7", delete.PolicyName);
    }

    [Fact]
    public void Resolve_AuditedOnly_EntriesOfAuditedPolicyDirectionAudited()
    {
        var identities = new InMemoryIdentityAllocator();
        var ds = Pod("k8s:org=empire,k8s:class=deathstar");
        var id = identities.GetOrAllocate(ds);
        var snapshot = PolicyResolver.Resolve(Parse(Strict), [new EndpointInfo(1, "default", "ds", ds, id)], identities);
        var ep = snapshot.Endpoints[1];
        Assert.True(ep.IngressEnforced);
        Assert.True(ep.IsAudited(TrafficDirection.Ingress));
        Assert.False(ep.IsAudited(TrafficDirection.Egress));
        Assert.Equal(["default/strict"], ep.Audit.IngressPolicies);
    }

    [Fact]
    public void Resolve_EndpointAudit_EnforcingPoliciesAuditedToo()
    {
        var identities = new InMemoryIdentityAllocator();
        var ds = Pod("k8s:org=empire,k8s:class=deathstar");
        var id = identities.GetOrAllocate(ds);
        var endpoints = new[] { new EndpointInfo(1, "default", "ds1", ds, id) { Audit = true }, new EndpointInfo(2, "default", "ds2", ds, id) };
        var snapshot = PolicyResolver.Resolve(Parse(DenyXwing), endpoints, identities);
        Assert.True(snapshot.Endpoints[1].IsAudited(TrafficDirection.Ingress));
        Assert.Equal(["default/deny-xwing"], snapshot.Endpoints[1].Audit.IngressPolicies);
        Assert.False(snapshot.Endpoints[2].IsAudited(TrafficDirection.Ingress));
    }

    [Fact]
    public void RedirectRules_AuditedDirection_DenyForwardedAsAuditedNamingPolicy()
    {
        var identities = new InMemoryIdentityAllocator();
        var ds = Pod("k8s:org=empire,k8s:class=deathstar");
        var tie = identities.GetOrAllocate(Pod("k8s:org=empire,k8s:class=tiefighter"));
        var id = identities.GetOrAllocate(ds);
        var snapshot = PolicyResolver.Resolve(Parse(Strict), [new EndpointInfo(1, "default", "ds", ds, id)], identities);
        var rules = new RedirectRules(snapshot).Get<HttpRuleSet>(1, TrafficDirection.Ingress, 80, Protocols.Tcp, tie);

        Assert.NotNull(rules);
        Assert.True(rules.IsAudit);
        var put = rules.Judge(new TraceHttpRequest("PUT", "/v1/exhaust-port"));
        Assert.True(put.Allowed);
        Assert.True(put.Audited);
        Assert.Equal("default/strict", put.PolicyName);
        var post = rules.Judge(new TraceHttpRequest("POST", "/v1/request-landing"));
        Assert.True(post.Allowed);
        Assert.False(post.Audited);
    }
}
