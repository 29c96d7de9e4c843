using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;
using CiliumL7.Policy.Tracing;

namespace CiliumL7.Policy.Tests;

public sealed class ResolutionTests
{
    private const TrafficDirection In = TrafficDirection.Ingress;
    private const TrafficDirection Out = TrafficDirection.Egress;
    private const byte Tcp = Protocols.Tcp;

    private static (PolicyAction?, L7Parser?) Decide(EndpointPolicy policy, TrafficDirection dir, uint remote, ushort port, byte proto = Tcp)
    {
        var entry = policy.Lookup(dir, remote, proto, port);
        var datapath = World.DatapathLookup(policy, dir, remote, proto, port);
        Assert.Equal(entry?.Action, datapath?.Action); // the distilled entries must not depend on "deny first"
        return (entry?.Action, entry?.Parser);
    }

    [Fact]
    public void Resolve_NoPolicySelectsEndpoint_AllowsEverything()
    {
        var w = new World();
        var ds = w.Pod("deathstar", "org=empire,class=deathstar");
        var x = w.Pod("xwing", "org=alliance");
        var p = w.Resolve(Manifests.Cnp("endpointSelector: {matchLabels: {class: other}}\ningress: [{}]")).Endpoints[ds.Id];
        Assert.False(p.IngressEnforced);
        Assert.False(p.EgressEnforced);
        Assert.Equal(PolicyAction.Allow, Decide(p, In, x.Identity, 80).Item1);
        Assert.Equal(PolicyAction.Allow, Decide(p, Out, x.Identity, 443).Item1);
    }

    [Fact]
    public void Resolve_SelectedForIngress_DefaultDenyOnlyInThatDirection()
    {
        var w = new World();
        var ds = w.Pod("deathstar", "org=empire,class=deathstar");
        var tie = w.Pod("tiefighter", "org=empire,class=tiefighter");
        var x = w.Pod("xwing", "org=alliance,class=xwing");
        var snap = w.Resolve(File.ReadAllText(TestSupport.RepoPaths.Combine("examples", "deathstar", "sw_l3_l4_policy.yaml")));
        var p = snap.Endpoints[ds.Id];
        Assert.True(p.IngressEnforced);
        Assert.False(p.EgressEnforced);
        Assert.Equal(PolicyAction.Allow, Decide(p, In, tie.Identity, 80).Item1);
        Assert.Null(Decide(p, In, tie.Identity, 81).Item1);
        Assert.Null(Decide(p, In, tie.Identity, 80, Protocols.Udp).Item1);
        Assert.Null(Decide(p, In, x.Identity, 80).Item1);
        Assert.Equal(PolicyAction.Allow, Decide(p, Out, x.Identity, 80).Item1);
        Assert.Equal("default/allow-empire-in-namespace", p.Lookup(In, tie.Identity, Tcp, 80)!.Value.PolicyName);
        Assert.False(snap.Endpoints[x.Id].IngressEnforced);
    }

    [Fact]
    public void Resolve_L7Policy_RedirectsAndJudgesPerPeer()
    {
        var w = new World();
        var ds = w.Pod("deathstar", "org=empire,class=deathstar");
        var tie = w.Pod("tiefighter", "org=empire,class=tiefighter");
        var p = w.Resolve(File.ReadAllText(TestSupport.RepoPaths.Combine("examples", "deathstar", "sw_l3_l4_l7_policy.yaml"))).Endpoints[ds.Id];
        Assert.Equal((PolicyAction.Redirect, L7Parser.Http), Decide(p, In, tie.Identity, 80));
        var rules = p.GetHttpRules(In, 80, Tcp, tie.Identity);
        Assert.NotNull(rules);
        Assert.False(rules!.IsAllowAll);
        Assert.True(rules.Judge(new TraceHttpRequest("POST", "/v1/request-landing")).Allowed);
        Assert.False(rules.Judge(new TraceHttpRequest("PUT", "/v1/exhaust-port")).Allowed);
        Assert.Null(p.GetHttpRules(In, 8080, Tcp, tie.Identity));
    }

    [Fact]
    public void Resolve_PeerWithoutL7OnSamePort_GetsAllowAllOnlyForItself_Cve2023_30851()
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var a = w.Pod("a", "app=a");
        var b = w.Pod("b", "app=b");
        var snap = w.Resolve(Manifests.Cnp("""
            endpointSelector: {matchLabels: {app: api}}
            ingress:
            - fromEndpoints: [{matchLabels: {app: a}}]
              toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: GET, path: /public}]}}]
            - fromEndpoints: [{matchLabels: {app: b}}]
              toPorts: [{ports: [{port: "80", protocol: TCP}]}]
            """));
        var p = snap.Endpoints[api.Id];
        Assert.Equal((PolicyAction.Redirect, L7Parser.Http), Decide(p, In, a.Identity, 80));
        Assert.Equal((PolicyAction.Redirect, L7Parser.Http), Decide(p, In, b.Identity, 80));
        var forA = p.GetHttpRules(In, 80, Tcp, a.Identity)!;
        Assert.False(forA.IsAllowAll);
        Assert.False(forA.Judge(new TraceHttpRequest("GET", "/admin")).Allowed);
        Assert.True(p.GetHttpRules(In, 80, Tcp, b.Identity)!.Judge(new TraceHttpRequest("GET", "/admin")).Allowed);
    }

    [Fact]
    public void Resolve_PeersAllowedSameRules_ShareOneSetAndAPeerWithMoreGetsItsOwn()
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var api2 = w.Pod("api2", "app=api,tier=2");
        var a = w.Pod("a", "role=client,app=a");
        var b = w.Pod("b", "role=client,app=b");
        var c = w.Pod("c", "role=client,app=c");
        var snap = w.Resolve(Manifests.Cnp("""
            endpointSelector: {matchLabels: {app: api}}
            ingress:
            - fromEndpoints: [{matchLabels: {role: client}}]
              toPorts: [{ports: [{port: "80", protocol: TCP}, {port: "81", protocol: TCP}], rules: {http: [{method: GET, path: "/public/[a-z]+"}]}}]
            - fromEndpoints: [{matchLabels: {app: c}}]
              toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: GET, path: /admin}]}}]
            """));
        var p = snap.Endpoints[api.Id];
        var p2 = snap.Endpoints[api2.Id];

        var forA = p.GetHttpRules(In, 80, Tcp, a.Identity)!;
        var forC = p.GetHttpRules(In, 80, Tcp, c.Identity)!;
        Assert.Same(forA, p.GetHttpRules(In, 80, Tcp, b.Identity));
        Assert.Same(forA, p.GetHttpRules(In, 81, Tcp, a.Identity));
        Assert.Same(forA, p2.GetHttpRules(In, 80, Tcp, b.Identity));
        Assert.NotSame(forA, forC);
        Assert.False(forA.Judge(new TraceHttpRequest("GET", "/admin")).Allowed);
        Assert.True(forC.Judge(new TraceHttpRequest("GET", "/admin")).Allowed);
        Assert.True(forA.Judge(new TraceHttpRequest("GET", "/public/x")).Allowed);
        Assert.False(p.GetHttpRules(In, 81, Tcp, c.Identity)!.Judge(new TraceHttpRequest("GET", "/admin")).Allowed);
    }

    [Fact]
    public void Resolve_PortRangeAllowPlusL7PortInside_StillRedirects_Cve2024_52529()
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var c = w.Pod("client", "app=client");
        var p = w.Resolve(
            Manifests.Cnp("""
                endpointSelector: {matchLabels: {app: api}}
                ingress:
                - fromEndpoints: [{matchLabels: {app: client}}]
                  toPorts: [{ports: [{port: "1", endPort: 1000, protocol: TCP}]}]
                """, "range"),
            Manifests.Cnp("""
                endpointSelector: {matchLabels: {app: api}}
                ingress:
                - fromEndpoints: [{matchLabels: {app: client}}]
                  toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: GET}]}}]
                """, "l7")).Endpoints[api.Id];
        Assert.Equal((PolicyAction.Redirect, L7Parser.Http), Decide(p, In, c.Identity, 80));
        Assert.False(p.GetHttpRules(In, 80, Tcp, c.Identity)!.Judge(new TraceHttpRequest("DELETE", "/")).Allowed);
        Assert.Equal(PolicyAction.Allow, Decide(p, In, c.Identity, 81).Item1);
    }

    [Fact]
    public void Resolve_AnyPeerL7PlusSpecificPeerRange_SpecificPeerIsStillRedirected()
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var c = w.Pod("client", "app=client");
        var p = w.Resolve(Manifests.Cnp("""
            endpointSelector: {matchLabels: {app: api}}
            ingress:
            - toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: GET}]}}]
            - fromEndpoints: [{matchLabels: {app: client}}]
              toPorts: [{ports: [{port: "1", endPort: 1000, protocol: TCP}]}]
            """)).Endpoints[api.Id];
        Assert.Equal((PolicyAction.Redirect, L7Parser.Http), Decide(p, In, c.Identity, 80));
        var set = p.GetHttpRules(In, 80, Tcp, c.Identity)!;
        Assert.True(set.Judge(new TraceHttpRequest("GET", "/")).Allowed);
        Assert.False(set.Judge(new TraceHttpRequest("POST", "/")).Allowed);
    }

    [Fact]
    public void Resolve_L3OnlyAllowForPeer_WidensThatPeersL7ToAllowAll()
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var a = w.Pod("a", "app=a");
        var b = w.Pod("b", "app=b");
        var p = w.Resolve(Manifests.Cnp("""
            endpointSelector: {matchLabels: {app: api}}
            ingress:
            - fromEndpoints: [{matchLabels: {app: a}}]
            - fromEndpoints: [{}]
              toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: GET}]}}]
            """)).Endpoints[api.Id];
        Assert.True(p.GetHttpRules(In, 80, Tcp, a.Identity)!.IsAllowAll);
        Assert.False(p.GetHttpRules(In, 80, Tcp, b.Identity)!.IsAllowAll);
        Assert.Equal(PolicyAction.Allow, Decide(p, In, a.Identity, 22).Item1);
        Assert.Null(Decide(p, In, b.Identity, 22).Item1);
    }

    [Fact]
    public void Resolve_TwoRulesSamePeerSamePort_UnionOfHttpRules()
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var c = w.Pod("c", "app=c");
        var rule = "endpointSelector: {matchLabels: {app: api}}\ningress:\n- fromEndpoints: [{matchLabels: {app: c}}]\n  toPorts: [{ports: [{port: \"80\", protocol: TCP}], rules: {http: [{path: PATH}]}}]";
        var p = w.Resolve(Manifests.Cnp(rule.Replace("PATH", "/a", StringComparison.Ordinal), "one"), Manifests.Cnp(rule.Replace("PATH", "/b", StringComparison.Ordinal), "two")).Endpoints[api.Id];
        var set = p.GetHttpRules(In, 80, Tcp, c.Identity)!;
        Assert.Equal(new L7.L7Verdict(true, "default/one"), set.Judge(new TraceHttpRequest("GET", "/a")));
        Assert.Equal(new L7.L7Verdict(true, "default/two"), set.Judge(new TraceHttpRequest("GET", "/b")));
        Assert.False(set.Judge(new TraceHttpRequest("GET", "/c")).Allowed);
    }

    [Theory]
    [InlineData("ingressDeny:\n- fromEndpoints: [{matchLabels: {app: c}}]\n  toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]", 80, true)]
    [InlineData("ingressDeny:\n- fromEndpoints: [{matchLabels: {app: c}}]\n  toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]", 443, false)]
    [InlineData("ingressDeny:\n- fromEndpoints: [{matchLabels: {app: c}}]", 443, true)]
    [InlineData("ingressDeny:\n- toPorts: [{ports: [{port: \"70\", endPort: 90, protocol: TCP}]}]", 80, true)]
    [InlineData("ingressDeny:\n- fromEntities: [world]", 80, false)]
    public void Resolve_DenyRule_WinsOverAnyAllow(string deny, int port, bool denied)
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var c = w.Pod("c", "app=c");
        var p = w.Resolve(Manifests.Cnp("""
            endpointSelector: {matchLabels: {app: api}}
            ingress:
            - fromEndpoints: [{matchLabels: {app: c}}]
              toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{}]}}]
            - fromEndpoints: [{matchLabels: {app: c}}]
              toPorts: [{ports: [{port: "1", endPort: 65535, protocol: TCP}]}]
            """ + "\n" + deny)).Endpoints[api.Id];
        var (action, _) = Decide(p, In, c.Identity, (ushort)port);
        Assert.Equal(denied, action == PolicyAction.Deny);
        Assert.NotNull(action);
    }

    [Fact]
    public void Resolve_CnpNamespaceScoping_PeersAndSubjectsStayInNamespace()
    {
        var w = new World();
        var api = w.Pod("api", "app=api", "prod");
        var apiDev = w.Pod("api", "app=api", "dev");
        var cProd = w.Pod("c", "app=c", "prod");
        var cDev = w.Pod("c", "app=c", "dev");
        var cnp = Manifests.Cnp("endpointSelector: {matchLabels: {app: api}}\ningress:\n- fromEndpoints: [{matchLabels: {app: c}}]", "p", "prod");
        var snap = w.Resolve(cnp);
        Assert.Equal(PolicyAction.Allow, Decide(snap.Endpoints[api.Id], In, cProd.Identity, 80).Item1);
        Assert.Null(Decide(snap.Endpoints[api.Id], In, cDev.Identity, 80).Item1);
        Assert.False(snap.Endpoints[apiDev.Id].IngressEnforced);

        var crossNs = Manifests.Cnp("endpointSelector: {matchLabels: {app: api}}\ningress:\n- fromEndpoints: [{matchLabels: {app: c, \"k8s:io.kubernetes.pod.namespace\": dev}}]", "x", "prod");
        var snap2 = w.Resolve(crossNs);
        Assert.Equal(PolicyAction.Allow, Decide(snap2.Endpoints[api.Id], In, cDev.Identity, 80).Item1);
        Assert.Null(Decide(snap2.Endpoints[api.Id], In, cProd.Identity, 80).Item1);
    }

    [Fact]
    public void Resolve_Ccnp_SelectsAcrossNamespacesButNotReservedIdentities()
    {
        var w = new World();
        var api = w.Pod("api", "app=api", "prod");
        var apiDev = w.Pod("api", "app=api", "dev");
        var c = w.Pod("c", "app=c", "dev");
        var snap = w.Resolve(Manifests.Ccnp("endpointSelector: {matchLabels: {app: api}}\ningress:\n- fromEndpoints: [{}]"));
        Assert.True(snap.Endpoints[apiDev.Id].IngressEnforced);
        Assert.Equal(PolicyAction.Allow, Decide(snap.Endpoints[api.Id], In, c.Identity, 80).Item1);
        Assert.Null(Decide(snap.Endpoints[api.Id], In, ReservedIdentity.World, 80).Item1);
        Assert.Null(Decide(snap.Endpoints[api.Id], In, ReservedIdentity.Host, 80).Item1);
    }

    [Fact]
    public void Resolve_EnableDefaultDenyFalse_DoesNotEnforceAndL7IsVisibilityOnly()
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var c = w.Pod("c", "app=c");
        var p = w.Resolve(Manifests.Cnp("""
            endpointSelector: {matchLabels: {app: api}}
            enableDefaultDeny: {ingress: false}
            ingress:
            - fromEndpoints: [{matchLabels: {app: c}}]
              toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: GET}]}}]
            """)).Endpoints[api.Id];
        Assert.False(p.IngressEnforced);
        Assert.Equal((PolicyAction.Redirect, L7Parser.Http), Decide(p, In, c.Identity, 80));
        Assert.True(p.GetHttpRules(In, 80, Tcp, c.Identity)!.Judge(new TraceHttpRequest("DELETE", "/")).Allowed);
        Assert.Equal(PolicyAction.Allow, Decide(p, In, c.Identity, 22).Item1);
    }

    [Theory]
    [InlineData("world", ReservedIdentity.World, true)]
    [InlineData("world", ReservedIdentity.Host, false)]
    [InlineData("host", ReservedIdentity.Host, true)]
    [InlineData("cluster", ReservedIdentity.Host, true)]
    [InlineData("cluster", ReservedIdentity.RemoteNode, true)]
    [InlineData("cluster", ReservedIdentity.World, false)]
    [InlineData("all", ReservedIdentity.World, true)]
    [InlineData("remote-node", ReservedIdentity.RemoteNode, true)]
    [InlineData("none", ReservedIdentity.World, false)]
    public void Resolve_Entities_ExpandToReservedIdentities(string entity, uint remote, bool allowed)
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var p = w.Resolve(Manifests.Cnp("endpointSelector: {}\ningress:\n- fromEntities: [" + entity + "]")).Endpoints[api.Id];
        Assert.Equal(allowed, Decide(p, In, remote, 80).Item1 == PolicyAction.Allow);
    }

    [Fact]
    public void Resolve_ClusterEntity_IncludesPodIdentities()
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var other = w.Pod("other", "app=other", "elsewhere");
        var p = w.Resolve(Manifests.Cnp("endpointSelector: {}\ningress:\n- fromEntities: [cluster]")).Endpoints[api.Id];
        Assert.Equal(PolicyAction.Allow, Decide(p, In, other.Identity, 80).Item1);
    }

    [Fact]
    public void Resolve_CidrSetWithExcept_AllocatesCidrIdentitiesAndSelectsOnlyOutside()
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var snap = w.Resolve(Manifests.Cnp("endpointSelector: {}\negress:\n- toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}]\n  toPorts: [{ports: [{port: \"443\", protocol: TCP}]}]"));
        var outer = snap.CidrIdentities[System.Net.IPNetwork.Parse("10.0.0.0/8")];
        var hole = snap.CidrIdentities[System.Net.IPNetwork.Parse("10.96.0.0/12")];
        Assert.True(ReservedIdentity.IsLocal(outer));
        var p = snap.Endpoints[api.Id];
        Assert.True(p.EgressEnforced);
        Assert.Equal(PolicyAction.Allow, Decide(p, Out, outer, 443).Item1);
        Assert.Null(Decide(p, Out, hole, 443).Item1);
    }

    [Fact]
    public void Resolve_DnsRulesOnPort53Any_RedirectsUdpAndTcp()
    {
        var w = new World();
        var app = w.Pod("app", "app=a");
        var dns = w.Pod("coredns", "k8s-app=kube-dns", "kube-system");
        var p = w.Resolve(Manifests.Cnp("""
            endpointSelector: {matchLabels: {app: a}}
            egress:
            - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, k8s-app: kube-dns}}]
              toPorts:
              - ports: [{port: "53", protocol: ANY}]
                rules: {dns: [{matchPattern: "*.cilium.io"}]}
            """)).Endpoints[app.Id];
        foreach (var proto in new[] { Protocols.Udp, Protocols.Tcp })
        {
            Assert.Equal((PolicyAction.Redirect, L7Parser.Dns), Decide(p, Out, dns.Identity, 53, proto));
            var set = p.GetDnsRules(Out, 53, proto, dns.Identity)!;
            Assert.True(set.Judge("docs.cilium.io.").Allowed);
            Assert.False(set.Judge("evil.com.").Allowed);
        }
    }

    [Fact]
    public void Resolve_ReplicasShareIdentity_GetEqualPolicies_AndRevisionGrows()
    {
        var w = new World();
        var a = w.Pod("deathstar-1", "org=empire,class=deathstar");
        var b = w.Pod("deathstar-2", "org=empire,class=deathstar");
        var s1 = w.Resolve(File.ReadAllText(TestSupport.RepoPaths.Combine("examples", "deathstar", "sw_l3_l4_policy.yaml")));
        var s2 = w.Resolve(File.ReadAllText(TestSupport.RepoPaths.Combine("examples", "deathstar", "sw_l3_l4_policy.yaml")));
        Assert.Equal(a.Identity, b.Identity);
        Assert.True(s1.Endpoints[a.Id].SameAs(s1.Endpoints[b.Id]));
        Assert.True(s1.Endpoints[a.Id].SameAs(s2.Endpoints[a.Id]));
        Assert.True(s2.Revision > s1.Revision);
    }

    [Theory]
    [InlineData("- fromEndpoints: []\n  toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]", false, false)]
    [InlineData("- fromEndpoints: [{}]\n  toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]", true, false)]
    [InlineData("- toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]", true, true)]
    [InlineData("- {}", false, false)]
    public void Resolve_PeerListShapes_NilEmptyAndWildcard(string ingress, bool sameNamespaceAllowed, bool worldAllowed)
    {
        var w = new World();
        var api = w.Pod("api", "app=api");
        var c = w.Pod("c", "app=c");
        var p = w.Resolve(Manifests.Cnp("endpointSelector: {matchLabels: {app: api}}\ningress:\n" + ingress)).Endpoints[api.Id];
        Assert.True(p.IngressEnforced);
        Assert.Equal(sameNamespaceAllowed, Decide(p, In, c.Identity, 80).Item1 == PolicyAction.Allow);
        Assert.Equal(worldAllowed, Decide(p, In, ReservedIdentity.World, 80).Item1 == PolicyAction.Allow);
    }

    [Fact]
    public void Resolve_NetworkPolicy_DenyAllAndNamespaceSelector()
    {
        var w = new World();
        var db = w.Pod("db", "app=db", "shop");
        var api = w.Pod("api", "app=api", "shop");
        var ops = w.Pod("ops", "app=ops", "monitoring");
        var np = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: db, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: db}}
              policyTypes: [Ingress, Egress]
              ingress:
              - from:
                - podSelector: {matchLabels: {app: api}}
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
                ports: [{port: 5432}]
            """;
        var p = w.Resolve(np).Endpoints[db.Id];
        Assert.True(p.IngressEnforced);
        Assert.True(p.EgressEnforced);
        Assert.Equal(PolicyAction.Allow, Decide(p, In, api.Identity, 5432).Item1);
        Assert.Equal(PolicyAction.Allow, Decide(p, In, ops.Identity, 5432).Item1);
        Assert.Null(Decide(p, In, api.Identity, 5433).Item1);
        Assert.Null(Decide(p, Out, api.Identity, 80).Item1);
    }
}
