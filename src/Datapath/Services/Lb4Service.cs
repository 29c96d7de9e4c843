using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Services;

/// <summary>Mirror of <c>struct cl7_lb4_service</c> (bpf/include/abi.h), 12 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 12)]
internal struct Lb4Service
{
    /// <summary>Slots 1..count: the backend id; master: 0.</summary>
    public uint BackendId;

    /// <summary>Master: number of backend slots.</summary>
    public ushort Count;

    /// <summary>Master: service id.</summary>
    public ushort RevNatIndex;

    /// <summary>CL7_LB_SVC_F_* flags.</summary>
    public uint Flags;
}
