using System.Net;
using CiliumL7.Datapath.Events;
using CiliumL7.Datapath.Tests.Support;
using CiliumL7.Policy;
using CiliumL7.TestSupport;

namespace CiliumL7.Datapath.Tests.Programs;

/// <summary>
/// from-container on crafted packets (BPF_PROG_TEST_RUN). The endpoint under
/// test sits on ifindex 1 (the test run's loopback device).
/// </summary>
public sealed class FromContainerTests
{
    private const int Lo = 1;
    private const uint SrcEp = 10;
    private const uint SrcId = 1000;
    private const uint DstId = 2000;
    private const uint LocalEp = 20;
    private const uint LocalId = 3000;
    private const string Src = "10.244.0.10";
    private const string Remote = "10.244.1.20";
    private const string Local = "10.244.0.30";

    private static TestDatapath Setup()
    {
        var t = new TestDatapath();
        t.Datapath.Endpoints.Update(Lo, new CiliumL7.Datapath.Abi.EndpointValue { EndpointId = SrcEp, Identity = SrcId });
        t.Datapath.UpsertIpcache(IPNetwork.Parse(Src + "/32"), SrcId, SrcEp);
        t.Datapath.UpsertIpcache(IPNetwork.Parse("10.244.1.0/24"), DstId);
        t.Datapath.UpsertIpcache(IPNetwork.Parse(Local + "/32"), LocalId, LocalEp);
        return t;
    }

    private static PolicyMapEntry Egress(uint id, byte proto, ushort port, PolicyMapVerdict v = PolicyMapVerdict.Allow, uint cookie = 1, ushort endPort = 0) =>
        new(TrafficDirection.Egress, id, proto, port, endPort, v, 0, cookie);

    [SkippableFact]
    public void FromContainer_NoEnforcement_Passes()
    {
        Privileged.Require();
        using var t = Setup();
        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40000, Remote, 80));
        Assert.Equal(ProgramTestResult.TcActOk, r.ReturnCode);
        Assert.Single(t.Datapath.Connections.Keys());
    }

    [SkippableTheory]
    [InlineData(Local)]          // another local endpoint's address: the proxy would apply that pod's rules
    [InlineData("10.244.0.99")]  // an address no endpoint owns
    [InlineData("2001:db8::99")] // pods have no IPv6 address: a global IPv6 source would pass for "world"
    public async Task FromContainer_SourceAddressNotItsOwn_DropsInvalidSip(string source)
    {
        Privileged.Require();
        using var t = Setup();
        var destination = source.Contains(':', StringComparison.Ordinal) ? "2001:db8:1::80" : Remote;

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(source, 40002, destination, 80));

        Assert.Equal(ProgramTestResult.TcActShot, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.Drop);
        Assert.NotNull(ev);
        Assert.Equal(DropReason.InvalidSourceIp, ev.Reason);
        Assert.Equal(SrcId, ev.SourceIdentity);
        Assert.Empty(t.Datapath.Connections.Keys());
    }

    [SkippableTheory]
    [InlineData("fe80::1")] // link-local (neighbour discovery)
    [InlineData("::")]      // unspecified (duplicate address detection)
    public void FromContainer_Ipv6LinkLocalOrUnspecifiedSource_NotDroppedAsSpoofed(string source)
    {
        Privileged.Require();
        using var t = Setup();

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(source, 40003, "fe80::2", 80));

        Assert.Equal(ProgramTestResult.TcActOk, r.ReturnCode);
    }

    [SkippableFact]
    public async Task FromContainer_EgressEnforcedNoRule_DropsWithPolicyDeniedEvent()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [], ingressEnforced: false, egressEnforced: true, revision: 7);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40001, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActShot, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.Drop);
        Assert.NotNull(ev);
        Assert.Equal(DropReason.PolicyDenied, ev.Reason);
        Assert.Equal(TrafficDirection.Egress, ev.Direction);
        Assert.Equal(SrcId, ev.SourceIdentity);
        Assert.Equal(DstId, ev.DestinationIdentity);
        Assert.Equal(IPAddress.Parse(Remote), ev.Destination);
        Assert.Equal(80, ev.DestinationPort);
        Assert.Equal(40001, ev.SourcePort);
        Assert.Equal(7u, ev.PolicyRevision);
        Assert.Contains(t.Datapath.ReadCounters(), c => c.Reason == (byte)DropReason.PolicyDenied && c.Packets == 1);
    }

    [SkippableFact]
    public async Task FromContainer_EgressAuditNoRule_PassesWithAuditVerdictNamingTheDrop()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [], ingressEnforced: false, egressEnforced: true, revision: 8, egressAudit: true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40011, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActOk, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.PolicyVerdict);
        Assert.NotNull(ev);
        Assert.Equal(DatapathVerdict.Audit, ev.Verdict);
        Assert.Equal(DropReason.PolicyDenied, ev.Reason);
        Assert.Equal(TrafficDirection.Egress, ev.Direction);
        Assert.Single(t.Datapath.Connections.Keys());
    }

    [SkippableFact]
    public async Task FromContainer_EgressAuditExplicitDeny_PassesWithAuditVerdictAndDenyCookie()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(0, 0, 0, PolicyMapVerdict.Deny, cookie: 99)], false, true, 9, egressAudit: true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40012, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActOk, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.PolicyVerdict);
        Assert.NotNull(ev);
        Assert.Equal(DatapathVerdict.Audit, ev.Verdict);
        Assert.Equal(DropReason.PolicyDeny, ev.Reason);
        Assert.Equal(99u, ev.RuleCookie);
    }

    private static PolicyMapEntry AuditBeside(uint id, byte proto, ushort port, PolicyMapVerdict v = PolicyMapVerdict.Allow, uint cookie = 2) =>
        Egress(id, proto, port, v, cookie) with { AuditBeside = true };

    [SkippableFact]
    public async Task FromContainer_AuditBesideEnforcingAllow_AuditedDefaultDenyPassesAsAudit()
    {
        Privileged.Require();
        using var t = Setup();
        // Enforcing: allow 80. Audited beside it: allows only port 81.
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 80, cookie: 42), AuditBeside(DstId, 6, 81)], false, true, 10, egressAuditBeside: true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40021, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActOk, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.PolicyVerdict);
        Assert.NotNull(ev);
        Assert.Equal(DatapathVerdict.Audit, ev.Verdict);
        Assert.Equal(DropReason.PolicyDenied, ev.Reason);
        Assert.Equal(0u, ev.RuleCookie);
        Assert.Single(t.Datapath.Connections.Keys());
        // Port 81: the audited policy alone would not allow it either way, the enforcing one drops it.
        Assert.Equal(ProgramTestResult.TcActShot, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40022, Remote, 81)).ReturnCode);
    }

    [SkippableFact]
    public async Task FromContainer_AuditBesideExplicitDeny_AuditedNotEnforced()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(0, 0, 0, cookie: 42), AuditBeside(0, 0, 0), AuditBeside(DstId, 0, 0, PolicyMapVerdict.Deny, cookie: 77)],
            false, true, 11, egressAuditBeside: true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40023, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActOk, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.PolicyVerdict);
        Assert.NotNull(ev);
        Assert.Equal(DatapathVerdict.Audit, ev.Verdict);
        Assert.Equal(DropReason.PolicyDeny, ev.Reason);
        Assert.Equal(77u, ev.RuleCookie);
    }

    [SkippableFact]
    public async Task FromContainer_AuditBesideEnforcingDeny_DenyWins()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 0, 0, PolicyMapVerdict.Deny, cookie: 99), AuditBeside(0, 0, 0)], false, true, 12, egressAuditBeside: true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40024, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActShot, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.Drop);
        Assert.NotNull(ev);
        Assert.Equal(DropReason.PolicyDeny, ev.Reason);
        Assert.Equal(99u, ev.RuleCookie);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FromContainer_AuditBesideAllowsToo_ForwardedNamingEnforcingRule(bool flag)
    {
        Privileged.Require();
        using var t = Setup();
        // With the flag: the audited policy allows it too. Without it: its (denying) entries are never read.
        PolicyMapEntry audit = flag ? AuditBeside(DstId, 6, 80) : AuditBeside(0, 0, 0, PolicyMapVerdict.Deny, cookie: 77);
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 80, cookie: 42), audit], false, true, 13, egressAuditBeside: flag);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40025, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActOk, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.PolicyVerdict);
        Assert.NotNull(ev);
        Assert.Equal(DatapathVerdict.Forwarded, ev.Verdict);
        Assert.Equal(42u, ev.RuleCookie);
    }

    [SkippableFact]
    public async Task FromContainer_AllowRule_PassesWithVerdictEvent()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 80, cookie: 42)], false, true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40002, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActOk, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.PolicyVerdict);
        Assert.NotNull(ev);
        Assert.Equal(DatapathVerdict.Forwarded, ev.Verdict);
        Assert.Equal(PolicyMatchType.L3L4, ev.MatchType);
        Assert.Equal(42u, ev.RuleCookie);
        Assert.Equal(ProgramTestResult.TcActShot, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40003, Remote, 81)).ReturnCode);
    }

    [SkippableFact]
    public async Task FromContainer_DenyAndAllow_DenyWinsWithPolicyDeny()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 80, cookie: 1), Egress(0, 0, 0, PolicyMapVerdict.Deny, cookie: 99)], false, true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40004, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActShot, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.Drop);
        Assert.NotNull(ev);
        Assert.Equal(DropReason.PolicyDeny, ev.Reason);
        Assert.Equal(99u, ev.RuleCookie);
        Assert.Equal(PolicyMatchType.All, ev.MatchType);
    }

    [SkippableTheory]
    [InlineData(80, 3u, PolicyMatchType.L3L4)]       // id/proto/port beats ANY/proto/port
    [InlineData(81, 2u, PolicyMatchType.L4Only)]     // ANY/proto/port beats id/proto/ANY
    [InlineData(82, 4u, PolicyMatchType.L3Proto)]    // id/proto/ANY beats ANY/proto/ANY
    [InlineData(1500, 6u, PolicyMatchType.L3L4)]     // a port range beats "any port"
    public async Task FromContainer_LookupOrder_MostSpecificEntryDecides(ushort port, uint expectedCookie, PolicyMatchType expectedMatch)
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp,
        [
            Egress(0, 0, 0, cookie: 1),
            Egress(0, 6, 81, cookie: 2),
            Egress(0, 6, 80, cookie: 2),
            Egress(DstId, 6, 80, cookie: 3),
            Egress(DstId, 6, 0, cookie: 4),
            Egress(0, 6, 0, cookie: 5),
            Egress(DstId, 6, 1000, cookie: 6, endPort: 2000),
        ], false, true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40005, Remote, port));

        Assert.Equal(ProgramTestResult.TcActOk, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.PolicyVerdict);
        Assert.NotNull(ev);
        Assert.Equal(expectedCookie, ev.RuleCookie);
        Assert.Equal(expectedMatch, ev.MatchType);
    }

    [SkippableTheory]
    [InlineData(999, false)]
    [InlineData(1000, true)]
    [InlineData(1777, true)]
    [InlineData(2000, true)]
    [InlineData(2001, false)]
    public void FromContainer_PortRange_AllowsExactlyTheRange(ushort port, bool allowed)
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 17, 1000, endPort: 2000)], false, true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Udp(Src, 40006, Remote, port));

        Assert.Equal(allowed ? ProgramTestResult.TcActOk : ProgramTestResult.TcActShot, r.ReturnCode);
    }

    [SkippableFact]
    public async Task FromContainer_LocalDestinationIngressEnforced_DropsAtIngress()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(LocalEp, [new(TrafficDirection.Ingress, DstId, 6, 80, 0, PolicyMapVerdict.Allow, 0, 5)], true, false);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40007, Local, 80));

        Assert.Equal(ProgramTestResult.TcActShot, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.Drop);
        Assert.NotNull(ev);
        Assert.Equal(TrafficDirection.Ingress, ev.Direction);
        Assert.Equal(DropReason.PolicyDenied, ev.Reason);
        Assert.Equal(LocalEp, ev.DestinationEndpoint);
        Assert.Equal(LocalId, ev.DestinationIdentity);
    }

    [SkippableFact]
    public void ToContainer_ReplyOfAllowedConnection_PassesButNewConnectionDrops()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 80)], ingressEnforced: true, egressEnforced: true);
        Assert.Equal(ProgramTestResult.TcActOk, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40008, Remote, 80)).ReturnCode);

        var reply = t.Datapath.TestRun(DatapathProgram.ToContainer, Packets.Tcp(Remote, 80, Src, 40008, Packets.TcpSyn | Packets.TcpAck));
        var fresh = t.Datapath.TestRun(DatapathProgram.ToContainer, Packets.Tcp(Remote, 80, Src, 40009));

        Assert.Equal(ProgramTestResult.TcActOk, reply.ReturnCode);
        Assert.Equal(ProgramTestResult.TcActShot, fresh.ReturnCode);
    }

    [SkippableFact]
    public void FromContainer_PolicyChange_AppliesToNextConnectionNotEstablishedOne()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 80)], false, true);
        Assert.Equal(ProgramTestResult.TcActOk, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40010, Remote, 80)).ReturnCode);

        t.Datapath.ApplyPolicy(SrcEp, [], false, true);

        Assert.Equal(ProgramTestResult.TcActOk, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40010, Remote, 80, Packets.TcpAck)).ReturnCode);
        Assert.Equal(ProgramTestResult.TcActShot, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40010, Remote, 80)).ReturnCode);
        Assert.Equal(ProgramTestResult.TcActShot, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40011, Remote, 80)).ReturnCode);
    }

    [SkippableFact]
    public void ApplyPolicy_Twice_LeavesOnlyTheActiveGeneration()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 80), Egress(DstId, 6, 443)], false, true);
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 8080)], false, true);

        var keys = t.Datapath.Policies.Keys();
        Assert.Single(keys);
        Assert.True(t.Datapath.EndpointPolicies.TryLookup(SrcEp, out var state));
        Assert.Equal(state.Gen, keys[0].Gen);
        Assert.Single(t.Datapath.DumpPolicy(SrcEp));
    }

    [SkippableFact]
    public async Task FromContainer_RedirectWithoutListener_DropsProxyLookupFailed()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [new(TrafficDirection.Egress, DstId, 6, 80, 0, PolicyMapVerdict.Redirect, 1, 8)], false, true);

        var r = t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40012, Remote, 80));

        Assert.Equal(ProgramTestResult.TcActShot, r.ReturnCode);
        var ev = await t.WaitForEventAsync(e => e.Type == DatapathEventType.Drop);
        Assert.NotNull(ev);
        Assert.Equal(DropReason.ProxyLookupFailed, ev.Reason);
    }

    [SkippableTheory]
    [InlineData("fd00:244::10", "fd00:244:1::20")]
    [InlineData(Src, Remote)]
    public void FromContainer_IcmpEchoRule_AllowsEchoAndItsReply(string src, string dst)
    {
        Privileged.Require();
        using var t = Setup();
        bool v6 = src.Contains(':', StringComparison.Ordinal);
        t.Datapath.UpsertIpcache(IPNetwork.Parse(dst + (v6 ? "/128" : "/32")), DstId);
        if (v6)
        {
            t.Datapath.UpsertIpcache(IPNetwork.Parse(src + "/128"), SrcId, SrcEp); // the pod's own IPv6 address
        }
        byte proto = v6 ? (byte)58 : (byte)1;
        ushort echo = v6 ? (ushort)128 : (ushort)8;
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, proto, echo)], true, true);

        Assert.Equal(ProgramTestResult.TcActOk, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.IcmpEcho(src, dst, 7)).ReturnCode);
        Assert.Equal(ProgramTestResult.TcActOk, t.Datapath.TestRun(DatapathProgram.ToContainer, Packets.IcmpEcho(dst, src, 7, reply: true)).ReturnCode);
        Assert.Equal(ProgramTestResult.TcActShot, t.Datapath.TestRun(DatapathProgram.ToContainer, Packets.IcmpEcho(dst, src, 8)).ReturnCode);
        Assert.Equal(ProgramTestResult.TcActShot, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(src, 1, dst, 80)).ReturnCode);
    }

    [SkippableFact]
    public void ReadPolicy_AfterApply_ReturnsTheEntriesAsBlocks()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 8, endPort: 15, cookie: 4), Egress(0, 0, 0, PolicyMapVerdict.Deny, cookie: 5)], ingressEnforced: false, egressEnforced: true, revision: 3);

        var state = t.Datapath.ReadPolicy(SrcEp);

        Assert.NotNull(state);
        Assert.False(state.IngressEnforced);
        Assert.True(state.EgressEnforced);
        Assert.Equal(3u, state.Revision);
        Assert.Contains(Egress(DstId, 6, 8, endPort: 15, cookie: 4), state.Entries);
        Assert.Contains(Egress(0, 0, 0, PolicyMapVerdict.Deny, cookie: 5), state.Entries);
        Assert.Equal(2, state.Entries.Count);
        Assert.Null(t.Datapath.ReadPolicy(999));
    }

    [SkippableFact]
    public void PurgeConnections_Address_RemovesOnlyItsEntries()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40020, Remote, 80));
        t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40021, Local, 80));
        t.Datapath.ApplyPolicy(SrcEp, [], false, true);

        Assert.Equal(1, t.Datapath.PurgeConnections(IPAddress.Parse(Local)));

        Assert.Single(t.Datapath.Connections.Keys());
        /* the purged connection is judged again: now denied */
        Assert.Equal(ProgramTestResult.TcActShot, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40021, Local, 80, Packets.TcpAck)).ReturnCode);
        Assert.Equal(ProgramTestResult.TcActOk, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40020, Remote, 80, Packets.TcpAck)).ReturnCode);
    }

    [SkippableFact]
    public void ApplyPolicy_OtherEndpointAndReopen_KeepsEachEndpointsEntries()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.ApplyPolicy(LocalEp, [new(TrafficDirection.Ingress, SrcId, 6, 80, 0, PolicyMapVerdict.Allow, 0, 1)], true, false);
        t.Datapath.ApplyPolicy(SrcEp, [Egress(DstId, 6, 80), Egress(DstId, 6, 81)], false, true);

        using (var reopened = BpfDatapath.Open(new DatapathOptions { BpfObjectDir = BpfObjects.Directory, BpfRoot = t.Root }))
        {
            reopened.ApplyPolicy(SrcEp, [Egress(DstId, 6, 443)], false, true);
            Assert.Single(reopened.DumpPolicy(SrcEp));
            Assert.Single(reopened.DumpPolicy(LocalEp));
        }

        Assert.Equal(2, t.Datapath.Policies.Keys().Count);
        Assert.Equal(ProgramTestResult.TcActOk, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40030, Remote, 443)).ReturnCode);
        Assert.Equal(ProgramTestResult.TcActShot, t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40031, Remote, 80)).ReturnCode);
        Assert.Single(t.Datapath.DumpPolicy(LocalEp));
    }

    [SkippableFact]
    public void CollectIdleConnections_ZeroAndLongIdle_RemovesAllOrNone()
    {
        Privileged.Require();
        using var t = Setup();
        t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40040, Remote, 80));
        t.Datapath.TestRun(DatapathProgram.FromContainer, Packets.Tcp(Src, 40041, Remote, 80));

        Assert.Equal(0, t.Datapath.CollectIdleConnections(TimeSpan.FromHours(1)));
        Assert.Equal(2, t.Datapath.CollectIdleConnections(TimeSpan.Zero));
        Assert.Empty(t.Datapath.Connections.Keys());
    }
}
