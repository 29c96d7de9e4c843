using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Interop;

/// <summary>libbpf's <c>struct bpf_tc_hook</c> (x86_64 layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfTcHook
{
    public nuint Size;
    public int Ifindex;
    public int AttachPoint;
    public uint Parent;
    private readonly uint _pad;
}
