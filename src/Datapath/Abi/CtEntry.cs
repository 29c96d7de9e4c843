using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_ct_entry</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CtEntry
{
    /// <summary>created_ns (CLOCK_MONOTONIC_COARSE).</summary>
    public ulong CreatedNs;

    /// <summary>last_seen_ns (CLOCK_MONOTONIC_COARSE, refreshed at most once a second).</summary>
    public ulong LastSeenNs;

    /// <summary>src_identity.</summary>
    public uint SrcIdentity;

    /// <summary>dst_identity.</summary>
    public uint DstIdentity;

    /// <summary>rule_cookie.</summary>
    public uint RuleCookie;

    /// <summary>proxy_port.</summary>
    public ushort ProxyPort;

    /// <summary>flags: CL7_CT_*.</summary>
    public byte Flags;

    /// <summary>pad.</summary>
    public byte Pad;

    /// <summary>reserved.</summary>
    public ulong Reserved;
}
