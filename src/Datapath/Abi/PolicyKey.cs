using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_policy_key</c> (LPM over protocol and big-endian port).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PolicyKey
{
    /// <summary>prefixlen: 88 (any L4), 96 (protocol), 96 + n (port prefix of n bits).</summary>
    public uint PrefixLen;

    /// <summary>endpoint_id.</summary>
    public uint EndpointId;

    /// <summary>identity: the remote identity, 0 = ANY.</summary>
    public uint Identity;

    /// <summary>gen.</summary>
    public byte Gen;

    /// <summary>direction: 1 ingress, 2 egress.</summary>
    public byte Direction;

    /// <summary>kind: 0 allow/redirect, 1 deny.</summary>
    public byte Kind;

    /// <summary>protocol: IPPROTO_*, 0 = ANY.</summary>
    public byte Protocol;

    /// <summary>dport in network byte order (ICMP: type).</summary>
    public ushort DportBe;

    /// <summary>pad.</summary>
    public ushort Pad;
}
