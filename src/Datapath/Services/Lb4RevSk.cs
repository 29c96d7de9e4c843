using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Services;

/// <summary>Mirror of <c>struct cl7_lb4_rev_sk</c> (bpf/include/abi.h), 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal struct Lb4RevSk
{
    /// <summary>VIP, network byte order.</summary>
    public uint Address;

    /// <summary>Service port, network byte order.</summary>
    public ushort Port;

    /// <summary>Service id.</summary>
    public ushort RevNatIndex;
}
