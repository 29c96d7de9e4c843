using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Interop;

/// <summary>errno numbers and their text.</summary>
internal static partial class Errno
{
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int E2BIG = 7;
    public const int EPERM = 1;

    public static string Describe(int errno) => $"{Marshal.PtrToStringUTF8(StrError(errno))} (errno {errno})";

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrError(int errnum);
}
