using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Services;

/// <summary>Mirror of <c>struct cl7_lb4_key</c> (bpf/include/abi.h), 12 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 12)]
internal struct Lb4Key
{
    /// <summary>VIP, network byte order (the address bytes as they are in memory).</summary>
    public uint Address;

    /// <summary>Service port, network byte order.</summary>
    public ushort DPort;

    /// <summary>0 = master entry; 1..count = backend slots.</summary>
    public ushort BackendSlot;

    /// <summary>IPPROTO_TCP / IPPROTO_UDP.</summary>
    public byte Proto;

    private byte _pad0;
    private byte _pad1;
    private byte _pad2;

    public static Lb4Key For(LbFrontend frontend, ushort slot) => new()
    {
        Address = LbWire.Address(frontend.Address),
        DPort = LbWire.Port(frontend.Port),
        BackendSlot = slot,
        Proto = (byte)frontend.Protocol,
    };
}
