using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Interop;

/// <summary>libc calls the datapath needs.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);
}
