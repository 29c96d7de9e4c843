using System.Runtime.InteropServices;
using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Loading;

/// <summary>Makes sure a pin directory lives on a mounted bpffs.</summary>
internal static partial class BpfFs
{
    private const long BpfFsMagic = 0xCAFE4A11;
    private const string DefaultMount = "/sys/fs/bpf";

    public static void EnsureDirectory(string root)
    {
        string full = Path.GetFullPath(root);
        if (full.StartsWith(DefaultMount + "/", StringComparison.Ordinal) && !IsBpfFs(DefaultMount))
        {
            Directory.CreateDirectory(DefaultMount);
            if (Libc.Mount("bpf", DefaultMount, "bpf", 0, "mode=0700") != 0)
            {
                throw new DatapathException($"cannot mount bpffs at {DefaultMount}: errno {Marshal.GetLastPInvokeError()}; mount it (mount -t bpf bpf {DefaultMount}) or pass a bpf root on a bpffs");
            }
        }
        Directory.CreateDirectory(full);
        if (!IsBpfFs(full))
        {
            throw new DatapathException($"bpf root {full} is not on a bpffs; use a directory under {DefaultMount}");
        }
    }

    public static bool IsBpfFs(string path)
    {
        Span<byte> buf = stackalloc byte[120]; /* struct statfs (x86_64) */
        if (!Directory.Exists(path) || Libc.StatFs(path, ref MemoryMarshal.GetReference(buf)) != 0)
        {
            return false;
        }
        return MemoryMarshal.Read<long>(buf) == BpfFsMagic;
    }
}
