using System.Net;
using CiliumL7.Datapath.Abi;
using CiliumL7.Datapath.Events;
using CiliumL7.Datapath.Tests.Support;
using CiliumL7.Policy;
using CiliumL7.TestSupport;

namespace CiliumL7.Datapath.Tests.Programs;

/// <summary>to-container on crafted packets: the endpoint under test sits on ifindex 1.</summary>
public sealed class ToContainerTests
{
    private const int Lo = 1;
    private const uint Ep = 30;
    private const uint Id = 4000;
    private const uint PeerId = 4001;
    private const string PodIp = "10.244.0.40";
    private const string Peer = "10.244.2.9";
    private const string World = "203.0.113.7";

    private static TestDatapath Setup(params PolicyMapEntry[] ingress)
    {
        var t = new TestDatapath();
        t.Datapath.Endpoints.Update(Lo, new EndpointValue { EndpointId = Ep, Identity = Id });
        t.Datapath.UpsertIpcache(IPNetwork.Parse(PodIp + "/32"), Id, Ep);
        t.Datapath.UpsertIpcache(IPNetwork.Parse(Peer + "/32"), PeerId);
        t.Datapath.ApplyPolicy(Ep, ingress, ingressEnforced: true, egressEnforced: false);
        return t;
    }

    [SkippableFact]
    public async Task ToContainer_UnknownSource_IsWorldAndDropped()
    {
        Privileged.Require();
        using var t = Setup(new PolicyMapEntry(TrafficDirection.Ingress, PeerId, 6, 80, 0, PolicyMapVerdict.Allow, 0, 1));

        Assert.Equal(ProgramTestResult.TcActOk, t.Datapath.TestRun(DatapathProgram.ToContainer, Packets.Tcp(Peer, 5000, PodIp, 80)).ReturnCode);
        Assert.Equal(ProgramTestResult.TcActShot, t.Datapath.TestRun(DatapathProgram.ToContainer, Packets.Tcp(World, 5000, PodIp, 80)).ReturnCode);

        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.Drop);
        Assert.NotNull(ev);
        Assert.Equal(2u, ev.SourceIdentity);
        Assert.Equal(Id, ev.DestinationIdentity);
        Assert.Equal(TrafficDirection.Ingress, ev.Direction);
    }

    [SkippableTheory]
    [InlineData(AbiConstants.MarkMagicProxyEgress)]
    [InlineData(AbiConstants.MarkMagicProxyIngress)]
    public void ToContainer_ProxyMark_PassesWithoutPolicyAndRemembersUpstream(uint mark)
    {
        Privileged.Require();
        using var t = Setup();
        var packet = Packets.Tcp(World, 5001, PodIp, 80);

        var marked = t.Datapath.TestRun(DatapathProgram.ToContainer, packet, mark: mark);
        var unmarked = t.Datapath.TestRun(DatapathProgram.ToContainer, Packets.Tcp(World, 5002, PodIp, 80));

        Assert.Equal(ProgramTestResult.TcActOk, marked.ReturnCode);
        Assert.Equal(ProgramTestResult.TcActShot, unmarked.ReturnCode);
        var entry = Assert.Single(t.Datapath.Connections.Entries());
        Assert.Equal(AbiConstants.CtProxyUpstream | AbiConstants.CtToContainer, entry.Value.Flags);
    }

    [SkippableFact]
    public void ToContainer_IngressRedirect_LoopsToIngressWithProxyMarkAndSwappedMacs()
    {
        Privileged.Require();
        using var t = Setup(new PolicyMapEntry(TrafficDirection.Ingress, 2, 6, 80, 0, PolicyMapVerdict.Redirect, 15002, 1));
        var packet = Packets.Tcp(World, 5003, PodIp, 80);

        var r = t.Datapath.TestRun(DatapathProgram.ToContainer, packet);

        Assert.Equal(ProgramTestResult.TcActRedirect, r.ReturnCode);
        Assert.Equal(AbiConstants.MarkMagicToProxy | (15002u << 16), r.Mark);
        Assert.Equal(packet.AsSpan(6, 6).ToArray(), r.Packet.AsSpan(0, 6).ToArray());
        Assert.Equal(packet.AsSpan(0, 6).ToArray(), r.Packet.AsSpan(6, 6).ToArray());
    }

    [SkippableFact]
    public void FromContainer_LoopedPacketWithoutListener_DroppedFailClosed()
    {
        Privileged.Require();
        using var t = Setup();

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(World, 5004, PodIp, 80), mark: AbiConstants.MarkMagicToProxy | (1u << 16));

        Assert.Equal(ProgramTestResult.TcActShot, r.ReturnCode);
    }
}
