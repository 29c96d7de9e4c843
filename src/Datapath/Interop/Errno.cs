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

    /// <summary>
    /// The errno of a failed call: the negative return value of a libbpf int API,
    /// else (a plain -1, as libc returns) the errno captured by SetLastError.
    /// </summary>
    public static int FromResult(int ret) => ret < 0 && ret != -1 ? -ret : Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => $"{Marshal.PtrToStringUTF8(StrError(errno))} (errno {errno})";

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrError(int errnum);
}
