using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Interop;

/// <summary>libbpf's <c>struct bpf_tc_opts</c> (x86_64 layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfTcOpts
{
    public nuint Size;
    public int ProgFd;
    public uint Flags;
    public uint ProgId;
    public uint Handle;
    public uint Priority;
    private readonly uint _pad;
}
