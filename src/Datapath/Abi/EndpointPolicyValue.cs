using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_ep_policy</c>: value of <c>cl7_ep_policy</c> (key: endpoint id).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct EndpointPolicyValue
{
    /// <summary>gen: the active policy generation, 0 or 1.</summary>
    public byte Gen;

    /// <summary>flags: <see cref="AbiConstants.EpIngressEnforced"/> | <see cref="AbiConstants.EpEgressEnforced"/>.</summary>
    public byte Flags;

    /// <summary>pad.</summary>
    public ushort Pad;

    /// <summary>revision: the agent's policy revision, copied into events.</summary>
    public uint Revision;
}
