using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_ipcache_key</c> (LPM: prefixlen = 32 + IP prefix length).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct IpcacheKey
{
    /// <summary>prefixlen.</summary>
    public uint PrefixLen;

    /// <summary>family: 4 or 6.</summary>
    public byte Family;

    /// <summary>pad[3].</summary>
    public fixed byte Pad[3];

    /// <summary>addr[16]: IPv4 in the first 4 bytes.</summary>
    public fixed byte Addr[16];
}
