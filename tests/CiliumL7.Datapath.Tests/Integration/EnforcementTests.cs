using System.Net;
using CiliumL7.Datapath.Events;
using CiliumL7.Datapath.Tests.Support;
using CiliumL7.Policy;
using CiliumL7.TestSupport;

namespace CiliumL7.Datapath.Tests.Integration;

/// <summary>L3/L4 enforcement with real traffic between network-namespace pods.</summary>
public sealed class EnforcementTests
{
    private const int ServerPort = 8080;

    /* a connect that policy drops: the SYN never gets an answer */
    private const int ExpectTimeoutMs = 1500;

    private static PolicyMapEntry IngressFrom(uint identity, ushort port, PolicyMapVerdict verdict = PolicyMapVerdict.Allow, uint cookie = 1, ushort proxyPort = 0) =>
        new(TrafficDirection.Ingress, identity, 6, port, 0, verdict, proxyPort, cookie);

    [SkippableFact]
    public async Task Connect_NoEnforcement_Connects()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);

        Assert.Equal("ping", await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort));
        Assert.True(topo.Node.Invoke(() => BpfDatapath.IsAttached(topo.IfA) && BpfDatapath.IsAttached(topo.IfB)));
    }

    [SkippableFact]
    public async Task Connect_IngressAllowRule_Connects()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [IngressFrom(PodTopology.IdA, ServerPort)], ingressEnforced: true, egressEnforced: false);

        Assert.Equal("ping", await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort));
    }

    [SkippableFact]
    public async Task Connect_IngressNoRule_TimesOutWithPolicyDeniedEvent()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [IngressFrom(PodTopology.IdA, 9999)], ingressEnforced: true, egressEnforced: false);

        Assert.Null(await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort, timeoutMs: ExpectTimeoutMs));

        var ev = await topo.Test.WaitForEventAsync(e => e.Type == DatapathEventType.Drop && e.DestinationPort == ServerPort);
        Assert.NotNull(ev);
        Assert.Equal(DropReason.PolicyDenied, ev.Reason);
        Assert.Equal(TrafficDirection.Ingress, ev.Direction);
        Assert.Equal(PodTopology.IdA, ev.SourceIdentity);
        Assert.Equal(PodTopology.IdB, ev.DestinationIdentity);
        Assert.Equal(IPAddress.Parse(topo.IpA), ev.Source);
        Assert.Equal(IPAddress.Parse(topo.IpB), ev.Destination);
        Assert.Equal(ServerPort, ev.DestinationPort);
        Assert.Equal(topo.IfA, ev.Ifindex);
    }

    [SkippableFact]
    public async Task Connect_DenyRule_TimesOutWithPolicyDenyEvent()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        topo.Datapath.ApplyPolicy(PodTopology.EpA,
            [new(TrafficDirection.Egress, 0, 0, 0, 0, PolicyMapVerdict.Allow, 0, 1), new(TrafficDirection.Egress, PodTopology.IdB, 6, ServerPort, 0, PolicyMapVerdict.Deny, 0, 77)],
            ingressEnforced: false, egressEnforced: true);

        Assert.Null(await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort, timeoutMs: ExpectTimeoutMs));

        var ev = await topo.Test.WaitForEventAsync(e => e.Type == DatapathEventType.Drop && e.DestinationPort == ServerPort);
        Assert.NotNull(ev);
        Assert.Equal(DropReason.PolicyDeny, ev.Reason);
        Assert.Equal(TrafficDirection.Egress, ev.Direction);
        Assert.Equal(77u, ev.RuleCookie);
    }

    [SkippableFact]
    public async Task Reply_ServerEgressDefaultDeny_RepliesPass()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [IngressFrom(PodTopology.IdA, ServerPort)], ingressEnforced: true, egressEnforced: true);

        Assert.Equal("ping", await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort));
        /* the server's own new connections are still denied */
        using var serverA = PodTopology.EchoServer(topo.PodA, ServerPort);
        Assert.Null(await PodTopology.TryEchoAsync(topo.PodB, topo.IpA, ServerPort, timeoutMs: ExpectTimeoutMs));
    }

    [SkippableFact]
    public async Task Connect_FromNodeIntoPod_JudgedByIngressAtToContainer()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [IngressFrom(PodTopology.IdA, ServerPort)], ingressEnforced: true, egressEnforced: false);

        Assert.Null(await PodTopology.TryEchoAsync(topo.Node, topo.IpB, ServerPort, timeoutMs: ExpectTimeoutMs));
        var ev = await topo.Test.WaitForEventAsync(e => e.Type == DatapathEventType.Drop && e.DestinationPort == ServerPort);
        Assert.NotNull(ev);
        Assert.Equal(2u /* world: the node address is not in the ipcache */, ev.SourceIdentity);
        Assert.Equal(topo.IfB, ev.Ifindex);

        topo.Datapath.UpsertIpcache(IPNetwork.Parse(topo.NodeIp + "/32"), PodTopology.IdNode);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [IngressFrom(PodTopology.IdNode, ServerPort)], ingressEnforced: true, egressEnforced: false);
        Assert.Equal("ping", await PodTopology.TryEchoAsync(topo.Node, topo.IpB, ServerPort));
    }

    [SkippableFact]
    public async Task Restart_DatapathClosedAndReopened_EnforcementAndStateSurvive()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [IngressFrom(PodTopology.IdA, 9999)], ingressEnforced: true, egressEnforced: false);

        /* the "agent" goes away: objects closed, pins and filters stay */
        topo.Datapath.Dispose();
        Assert.Null(await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort, timeoutMs: ExpectTimeoutMs));

        using var reopened = BpfDatapath.Open(new DatapathOptions { BpfObjectDir = BpfObjects.Directory, BpfRoot = topo.Test.Root });
        Assert.Equal(new EndpointEntry(PodTopology.EpB, PodTopology.IdB), reopened.ListEndpoints()[topo.IfB]);
        Assert.NotEmpty(reopened.DumpPolicy(PodTopology.EpB));
        topo.Node.Invoke(() =>
        {
            reopened.AttachEndpoint(topo.IfB, new EndpointEntry(PodTopology.EpB, PodTopology.IdB));
            return 0;
        });
        Assert.Null(await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort, timeoutMs: ExpectTimeoutMs));
        reopened.ApplyPolicy(PodTopology.EpB, [IngressFrom(PodTopology.IdA, ServerPort)], ingressEnforced: true, egressEnforced: false);
        Assert.Equal("ping", await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort));
    }

    [SkippableFact]
    public async Task Connect_IPv6_AllowedPeerConnectsOtherIsDropped()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        using var serverA = PodTopology.EchoServer(topo.PodA, ServerPort);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [IngressFrom(PodTopology.IdA, ServerPort)], ingressEnforced: true, egressEnforced: true);

        Assert.Equal("ping", await PodTopology.TryEchoAsync(topo.PodA, topo.Ip6B, ServerPort));
        Assert.Null(await PodTopology.TryEchoAsync(topo.PodB, topo.Ip6A, ServerPort, timeoutMs: ExpectTimeoutMs));

        var ev = await topo.Test.WaitForEventAsync(e => e.Type == DatapathEventType.Drop && e.DestinationPort == ServerPort);
        Assert.NotNull(ev);
        Assert.Equal(IPAddress.Parse(topo.Ip6A), ev.Destination);
        Assert.Equal(TrafficDirection.Egress, ev.Direction);
        Assert.Equal(PodTopology.IdB, ev.SourceIdentity);
        Assert.Equal(PodTopology.IdA, ev.DestinationIdentity);
    }
}
