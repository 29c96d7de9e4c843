using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Services;

/// <summary>
/// The few libbpf and libc entry points the socket load balancer needs.
/// Kept private to this folder so it does not collide with the datapath's
/// main interop; functions returning <c>int</c> return a negative errno on
/// failure, functions returning a pointer return null and set errno.
/// </summary>
internal static unsafe partial class LbNative
{
    private const string Libbpf = "libbpf.so.1";
    private const string Libc = "libc";

    public const int O_RDONLY = 0;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;
    public const ulong BPF_ANY = 0;

    // ---- libbpf: objects, maps, programs ----
    [LibraryImport(Libbpf, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint bpf_object__open_file(string path, nint opts);

    [LibraryImport(Libbpf, SetLastError = true)]
    public static partial int bpf_object__load(nint obj);

    [LibraryImport(Libbpf)]
    public static partial void bpf_object__close(nint obj);

    [LibraryImport(Libbpf)]
    public static partial nint bpf_object__next_map(nint obj, nint prev);

    [LibraryImport(Libbpf)]
    public static partial nint bpf_map__name(nint map);

    [LibraryImport(Libbpf, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int bpf_map__set_pin_path(nint map, string path);

    [LibraryImport(Libbpf)]
    public static partial nint bpf_object__next_program(nint obj, nint prev);

    [LibraryImport(Libbpf)]
    public static partial nint bpf_program__section_name(nint prog);

    [LibraryImport(Libbpf)]
    public static partial int bpf_program__fd(nint prog);

    [LibraryImport(Libbpf)]
    public static partial int bpf_program__expected_attach_type(nint prog);

    // ---- libbpf: low-level syscall wrappers ----
    [LibraryImport(Libbpf, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int bpf_obj_get(string path);

    [LibraryImport(Libbpf, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int bpf_obj_pin(int fd, string path);

    [LibraryImport(Libbpf, SetLastError = true)]
    public static partial int bpf_link_create(int progFd, int targetFd, int attachType, nint opts);

    [LibraryImport(Libbpf, SetLastError = true)]
    public static partial int bpf_link_update(int linkFd, int newProgFd, nint opts);

    [LibraryImport(Libbpf, SetLastError = true)]
    public static partial int bpf_link_detach(int linkFd);

    [LibraryImport(Libbpf, SetLastError = true)]
    public static partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Libbpf, SetLastError = true)]
    public static partial int bpf_map_lookup_elem(int fd, void* key, void* value);

    [LibraryImport(Libbpf, SetLastError = true)]
    public static partial int bpf_map_delete_elem(int fd, void* key);

    [LibraryImport(Libbpf, SetLastError = true)]
    public static partial int bpf_map_get_next_key(int fd, void* key, void* nextKey);

    // ---- libc ----
    [LibraryImport(Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "mount", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Mount(string source, string target, string fsType, ulong flags, nint data);

    [LibraryImport(Libc, EntryPoint = "umount", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Umount(string target);

    [LibraryImport(Libc, EntryPoint = "strerror")]
    private static partial nint StrError(int errnum);

    /// <summary>"ENOENT (No such file or directory)"-style text for an errno.</summary>
    public static string Describe(int errno)
    {
        errno = Math.Abs(errno);
        var text = Marshal.PtrToStringUTF8(StrError(errno)) ?? "unknown error";
        return "errno " + errno + " (" + text + ")";
    }

    /// <summary>The errno of a failed call: the negative return value, else the captured errno.</summary>
    public static int Errno(int ret) => ret < 0 && ret != -1 ? -ret : Marshal.GetLastPInvokeError();
}
