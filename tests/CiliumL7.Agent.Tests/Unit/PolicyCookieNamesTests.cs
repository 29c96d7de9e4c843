using System.Net;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Ipam;
using CiliumL7.Agent.Observability;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Datapath.Events;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Server;
using DatapathDropReason = CiliumL7.Datapath.Events.DropReason;
using DatapathMatchType = CiliumL7.Datapath.Events.PolicyMatchType;
using PolicyDirection = CiliumL7.Policy.TrafficDirection;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class PolicyCookieNamesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ciliuml7-cookies-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void TryGet_CookieOfRecordedName_ReturnsNamespacedPolicy()
    {
        var names = new PolicyCookieNames();
        names.Update(["default/rule1", "deny-all", null]);

        Assert.True(names.TryGet(ResolverPolicyEngine.Cookie("default/rule1"), out var rule1));
        Assert.Equal(("rule1", "default", "CiliumNetworkPolicy"), (rule1.Name, rule1.Namespace, rule1.Kind));
        Assert.True(names.TryGet(ResolverPolicyEngine.Cookie("deny-all"), out var clusterwide));
        Assert.Equal(("deny-all", "", "CiliumClusterwideNetworkPolicy"), (clusterwide.Name, clusterwide.Namespace, clusterwide.Kind));
        Assert.False(names.TryGet(0, out _));
        Assert.False(names.TryGet(ResolverPolicyEngine.Cookie("default/other"), out _));
    }

    [Fact]
    public void Update_TwoRegenerationsLater_ForgetsRemovedPolicy()
    {
        var names = new PolicyCookieNames();
        var cookie = ResolverPolicyEngine.Cookie("default/old");
        names.Update(["default/old"]);

        names.Update(["default/new"]);
        var stillKnownOneLater = names.TryGet(cookie, out _);
        names.Update(["default/new"]);

        Assert.True(stillKnownOneLater, "events in flight from the previous regeneration still resolve");
        Assert.False(names.TryGet(cookie, out _));
        Assert.True(names.TryGet(ResolverPolicyEngine.Cookie("default/new"), out var policy));
        Assert.Equal("new", policy.Name);
    }

    [Fact]
    public void OnDatapath_VerdictAndDrops_NameTheDecidingPolicyOnly()
    {
        var cookies = new PolicyCookieNames();
        cookies.Update(["default/allow", "default/deny"]);
        var published = new Collector();
        var feed = new HubbleFlows(published, new EndpointManager(_dir, Ipv4Cidr.Parse("10.244.0.0/24")), cookies);

        feed.OnDatapath(Event(DatapathEventType.PolicyVerdict, DatapathDropReason.None, DatapathVerdict.Forwarded, ResolverPolicyEngine.Cookie("default/allow")));
        feed.OnDatapath(Event(DatapathEventType.PolicyVerdict, DatapathDropReason.None, DatapathVerdict.Redirected, ResolverPolicyEngine.Cookie("default/allow"), proxyPort: 15001));
        feed.OnDatapath(Event(DatapathEventType.Drop, DatapathDropReason.PolicyDeny, DatapathVerdict.Dropped, ResolverPolicyEngine.Cookie("default/deny")));
        feed.OnDatapath(Event(DatapathEventType.Drop, DatapathDropReason.PolicyDenied, DatapathVerdict.Dropped, 0));

        Assert.Equal(4, published.Flows.Count);
        var (forwarded, redirected, deny, defaultDeny) = (published.Flows[0], published.Flows[1], published.Flows[2], published.Flows[3]);
        Assert.Equal((5, Verdict.Forwarded, FlowType.L3L4, TrafficDirection.Ingress, 2u), (forwarded.EventType.Type, forwarded.Verdict, forwarded.Type, forwarded.TrafficDirection, forwarded.PolicyMatchType));
        Assert.Equal("allow", Assert.Single(forwarded.IngressAllowedBy).Name);
        Assert.Empty(forwarded.IngressDeniedBy);
        Assert.Equal((Verdict.Redirected, 15001u), (redirected.Verdict, redirected.ProxyPort));
        Assert.Equal("allow", Assert.Single(redirected.IngressAllowedBy).Name);
        Assert.Equal((1, Verdict.Dropped), (deny.EventType.Type, deny.Verdict));
        Assert.Equal("deny", Assert.Single(deny.IngressDeniedBy).Name);
        Assert.Empty(deny.IngressAllowedBy);
        Assert.Empty(defaultDeny.IngressDeniedBy);
        Assert.Empty(defaultDeny.EgressDeniedBy);
    }

    private static DatapathEvent Event(DatapathEventType type, DatapathDropReason reason, DatapathVerdict verdict, uint cookie, ushort proxyPort = 0) => new()
    {
        Time = DateTimeOffset.UtcNow,
        Type = type,
        Reason = reason,
        Direction = PolicyDirection.Ingress,
        Verdict = verdict,
        MatchType = cookie == 0 ? DatapathMatchType.None : DatapathMatchType.L3L4,
        Protocol = 6,
        Source = IPAddress.Parse("10.244.0.10"),
        Destination = IPAddress.Parse("10.244.0.11"),
        SourcePort = 40000,
        DestinationPort = 80,
        TcpFlags = 0x02,
        SourceIdentity = 1000,
        DestinationIdentity = 1001,
        SourceEndpoint = 0,
        DestinationEndpoint = 0,
        RuleCookie = cookie,
        PolicyRevision = 1,
        ProxyPort = proxyPort,
        Ifindex = 1,
        PacketLength = 60,
        IsReply = false,
    };

    private sealed class Collector : IFlowPublisher
    {
        public List<Flow> Flows { get; } = [];

        public void Publish(Flow flow) => Flows.Add(flow);
    }
}
