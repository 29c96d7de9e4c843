using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Services;

/// <summary>Mirror of <c>struct cl7_lb_netns</c> (bpf/include/abi.h), 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal struct LbNetns
{
    /// <summary>Reserved, 0.</summary>
    public uint Flags;

    private uint _pad;
}
