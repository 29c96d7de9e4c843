using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Services;

/// <summary>Mirror of <c>struct cl7_lb4_rev_sk_key</c> (bpf/include/abi.h), 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct Lb4RevSkKey
{
    /// <summary>Socket cookie.</summary>
    public ulong Cookie;

    /// <summary>Backend address, network byte order.</summary>
    public uint Address;

    /// <summary>Backend port, network byte order.</summary>
    public ushort Port;

    private ushort _pad;
}
