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
        // The enforcing policy allows it at L3/L4 without a redirect: the audited L7 rules are not judged.
        var put = Trace(policies, "k8s:org=empire,k8s:class=tiefighter", "PUT", "/v1/exhaust-port");
        Assert.Equal(TraceVerdict.Allowed, put.Verdict);
        Assert.Contains(put.Ingress!.Lines, l => l.Contains("not judged", StringComparison.Ordinal));
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
