using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_event</c>: one ring buffer record.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct EventRecord
{
    /// <summary>timestamp_ns (CLOCK_MONOTONIC).</summary>
    public ulong TimestampNs;

    /// <summary>type: 1 drop, 5 policy verdict.</summary>
    public byte Type;

    /// <summary>reason: drop reason or 0.</summary>
    public byte Reason;

    /// <summary>direction: 1 ingress, 2 egress.</summary>
    public byte Direction;

    /// <summary>family: 4 or 6.</summary>
    public byte Family;

    /// <summary>protocol.</summary>
    public byte Protocol;

    /// <summary>match_type.</summary>
    public byte MatchType;

    /// <summary>verdict: Hubble verdict number.</summary>
    public byte Verdict;

    /// <summary>tcp_flags.</summary>
    public byte TcpFlags;

    /// <summary>ifindex.</summary>
    public uint Ifindex;

    /// <summary>src_identity.</summary>
    public uint SrcIdentity;

    /// <summary>dst_identity.</summary>
    public uint DstIdentity;

    /// <summary>src_endpoint.</summary>
    public uint SrcEndpoint;

    /// <summary>dst_endpoint.</summary>
    public uint DstEndpoint;

    /// <summary>rule_cookie.</summary>
    public uint RuleCookie;

    /// <summary>policy_revision.</summary>
    public uint PolicyRevision;

    /// <summary>pkt_len.</summary>
    public uint PktLen;

    /// <summary>sport (host order).</summary>
    public ushort Sport;

    /// <summary>dport (host order; ICMP type).</summary>
    public ushort Dport;

    /// <summary>proxy_port.</summary>
    public ushort ProxyPort;

    /// <summary>is_reply.</summary>
    public byte IsReply;

    /// <summary>pad.</summary>
    public byte Pad;

    /// <summary>saddr[16].</summary>
    public fixed byte Saddr[16];

    /// <summary>daddr[16].</summary>
    public fixed byte Daddr[16];
}
