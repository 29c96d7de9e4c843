using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_ct_key</c>: the tuple of a connection's first packet.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CtKey
{
    /// <summary>saddr[16].</summary>
    public fixed byte Saddr[16];

    /// <summary>daddr[16].</summary>
    public fixed byte Daddr[16];

    /// <summary>sport (network order).</summary>
    public ushort SportBe;

    /// <summary>dport (network order).</summary>
    public ushort DportBe;

    /// <summary>protocol.</summary>
    public byte Protocol;

    /// <summary>family: 4 or 6.</summary>
    public byte Family;

    /// <summary>pad.</summary>
    public ushort Pad;
}
