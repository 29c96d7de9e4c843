using System.Net;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Observability;
using CiliumL7.Datapath;
using CiliumL7.Hubble.Metrics;
using CiliumL7.Policy;
using CiliumL7.Policy.Resolution;
using CiliumL7.Proxy;
using CiliumL7.Proxy.Flows;
using HubbleApi = CiliumL7.Hubble.Api;

namespace CiliumL7.Agent.Tests.Unit;

/// <summary>The agent side of the protocol-pluggable proxy: enum verdicts to the map, DNS/Kafka flows to Hubble.</summary>
public sealed class PluggableProxyTests
{
    [Theory]
    [InlineData(PolicyAction.Allow, PolicyMapVerdict.Allow, "allow")]
    [InlineData(PolicyAction.Deny, PolicyMapVerdict.Deny, "deny")]
    [InlineData(PolicyAction.Redirect, PolicyMapVerdict.Redirect, "redirect")]
    public void MapVerdict_EachAction_ItsOwnVerdictAndName(PolicyAction action, PolicyMapVerdict verdict, string name)
    {
        Assert.Equal(verdict, BpfNodeDatapath.MapVerdict(action));
        Assert.Equal(name, PolicyMapModels.ActionName(action));
    }

    [Fact]
    public void MapVerdict_UnknownAction_ThrowsInsteadOfAllowing()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BpfNodeDatapath.MapVerdict((PolicyAction)0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BpfNodeDatapath.MapVerdict((PolicyAction)42));
        Assert.Throws<ArgumentOutOfRangeException>(() => PolicyMapModels.ActionName((PolicyAction)42));
    }

    [Fact]
    public void L7MessageFlow_DnsAnswer_HubbleDnsFieldsOverUdpAndCounted()
    {
        var pod = new FlowEndpoint(IPAddress.Parse("10.244.0.5"), 40000, new PeerInfo(300, 5, "default", "pod", ["k8s:app=pod"]));
        var server = new FlowEndpoint(IPAddress.Parse("198.51.100.53"), 53, PeerInfo.World);
        var e = new L7FlowEvent
        {
            Time = DateTimeOffset.UnixEpoch,
            Type = CiliumL7.Proxy.Flows.L7FlowType.Response,
            Verdict = FlowVerdict.Forwarded,
            Direction = TrafficDirection.Egress,
            Source = server,
            Destination = pod,
            ProxyPort = 10053,
            EndpointId = 5,
            RequestId = 1,
            LatencyNs = 2_000_000,
            Dns = new DnsFlowInfo("api.empire.test.", ["A"], 0, ["198.51.100.10"], 30, ["edge.empire.test."], ["CNAME", "A"], Tcp: false),
        };
        Assert.Equal(ProxyType.Dns, e.Protocol);
        var flow = new L7MessageFlow(e, new HubbleApi.Endpoint { ID = 5 }, new HubbleApi.Endpoint { Identity = 2 }, null);

        var built = flow.Build();

        Assert.Equal(HubbleApi.FlowType.L7, built.Type);
        Assert.Equal(HubbleApi.Verdict.Forwarded, built.Verdict);
        Assert.True(built.IsReply);
        Assert.Equal("198.51.100.53", built.IP.Source);
        Assert.NotNull(built.L4.UDP);
        Assert.Equal(53u, built.L4.UDP.SourcePort);
        var dns = built.L7.Dns;
        Assert.Equal("api.empire.test.", dns.Query);
        Assert.Equal(["198.51.100.10"], dns.Ips);
        Assert.Equal(30u, dns.Ttl);
        Assert.Equal(["edge.empire.test."], dns.Cnames);
        Assert.Equal(["CNAME", "A"], dns.Rrtypes);
        Assert.Equal("proxy", dns.ObservationSource);
        Assert.Equal(2_000_000ul, built.L7.LatencyNs);

        var registry = new MetricsRegistry();
        flow.Count(new FlowMetrics(registry));
        var text = registry.Render();
        Assert.Contains("hubble_dns_responses_total{rcode=\"No Error\",qtypes=\"A\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("hubble_dns_response_types_total{type=\"CNAME\",qtypes=\"A\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("hubble_dns_response_types_total{type=\"A\",qtypes=\"A\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void L7MessageFlow_HttpEvent_Refused()
    {
        var peer = new FlowEndpoint(IPAddress.Loopback, 80, PeerInfo.World);
        var e = new L7FlowEvent
        {
            Time = DateTimeOffset.UnixEpoch, Type = CiliumL7.Proxy.Flows.L7FlowType.Request, Verdict = FlowVerdict.Forwarded,
            Direction = TrafficDirection.Ingress, Source = peer, Destination = peer, ProxyPort = 1, EndpointId = 1, RequestId = 1,
        };
        Assert.Throws<ArgumentException>(() => new L7MessageFlow(e, new HubbleApi.Endpoint(), new HubbleApi.Endpoint(), null));
    }
}
