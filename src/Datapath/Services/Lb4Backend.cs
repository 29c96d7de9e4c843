using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Services;

/// <summary>Mirror of <c>struct cl7_lb4_backend</c> (bpf/include/abi.h), 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal struct Lb4Backend
{
    /// <summary>Backend address, network byte order.</summary>
    public uint Address;

    /// <summary>Backend port, network byte order.</summary>
    public ushort Port;

    /// <summary>IPPROTO_TCP / IPPROTO_UDP.</summary>
    public byte Proto;

    /// <summary>Reserved.</summary>
    public byte Flags;
}
