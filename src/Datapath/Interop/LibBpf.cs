using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Interop;

/// <summary>
/// The subset of libbpf 1.x (libbpf.so.1) the datapath uses. libbpf 1.x
/// returns negative errno values from int APIs and NULL (with errno set)
/// from pointer APIs.
/// </summary>
internal static unsafe partial class LibBpf
{
    private const string Lib = "libbpf.so.1";

    public const int BpfTcIngress = 1;
    public const int BpfTcEgress = 2;
    public const uint BpfTcFReplace = 1;
    public const ulong BpfAny = 0;
    public const ulong BpfNoExist = 1;

    [LibraryImport(Lib, EntryPoint = "bpf_object__open_file", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint ObjectOpenFile(string path, nint opts);

    [LibraryImport(Lib, EntryPoint = "bpf_object__load", SetLastError = true)]
    public static partial int ObjectLoad(nint obj);

    [LibraryImport(Lib, EntryPoint = "bpf_object__close")]
    public static partial void ObjectClose(nint obj);

    [LibraryImport(Lib, EntryPoint = "bpf_object__next_map")]
    public static partial nint ObjectNextMap(nint obj, nint prev);

    [LibraryImport(Lib, EntryPoint = "bpf_object__next_program")]
    public static partial nint ObjectNextProgram(nint obj, nint prev);

    [LibraryImport(Lib, EntryPoint = "bpf_object__find_program_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ObjectFindProgramByName(nint obj, string name);

    [LibraryImport(Lib, EntryPoint = "bpf_map__name")]
    public static partial nint MapName(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__set_pin_path", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int MapSetPinPath(nint map, string path);

    [LibraryImport(Lib, EntryPoint = "bpf_map__fd")]
    public static partial int MapFd(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_program__fd")]
    public static partial int ProgramFd(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__section_name")]
    public static partial nint ProgramSectionName(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__expected_attach_type")]
    public static partial int ProgramExpectedAttachType(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__pin", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ProgramPin(nint prog, string path);

    [LibraryImport(Lib, EntryPoint = "bpf_obj_get", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int ObjGet(string path);

    [LibraryImport(Lib, EntryPoint = "bpf_obj_pin", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int ObjPin(int fd, string path);

    [LibraryImport(Lib, EntryPoint = "bpf_link_create", SetLastError = true)]
    public static partial int LinkCreate(int progFd, int targetFd, int attachType, nint opts);

    [LibraryImport(Lib, EntryPoint = "bpf_link_update", SetLastError = true)]
    public static partial int LinkUpdate(int linkFd, int newProgFd, nint opts);

    [LibraryImport(Lib, EntryPoint = "bpf_link_detach", SetLastError = true)]
    public static partial int LinkDetach(int linkFd);

    [LibraryImport(Lib, EntryPoint = "bpf_map_update_elem", SetLastError = true)]
    public static partial int MapUpdateElem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Lib, EntryPoint = "bpf_map_lookup_elem", SetLastError = true)]
    public static partial int MapLookupElem(int fd, void* key, void* value);

    [LibraryImport(Lib, EntryPoint = "bpf_map_delete_elem", SetLastError = true)]
    public static partial int MapDeleteElem(int fd, void* key);

    [LibraryImport(Lib, EntryPoint = "bpf_map_get_next_key", SetLastError = true)]
    public static partial int MapGetNextKey(int fd, void* key, void* nextKey);

    [LibraryImport(Lib, EntryPoint = "libbpf_num_possible_cpus")]
    public static partial int NumPossibleCpus();

    [LibraryImport(Lib, EntryPoint = "bpf_tc_hook_create")]
    public static partial int TcHookCreate(BpfTcHook* hook);

    [LibraryImport(Lib, EntryPoint = "bpf_tc_attach")]
    public static partial int TcAttach(BpfTcHook* hook, BpfTcOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_tc_detach")]
    public static partial int TcDetach(BpfTcHook* hook, BpfTcOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_tc_query")]
    public static partial int TcQuery(BpfTcHook* hook, BpfTcOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_prog_test_run_opts")]
    public static partial int ProgTestRunOpts(int progFd, BpfTestRunOpts* opts);

    [LibraryImport(Lib, EntryPoint = "ring_buffer__new")]
    public static partial nint RingBufferNew(int mapFd, delegate* unmanaged[Cdecl]<nint, nint, nuint, int> sampleCb, nint ctx, nint opts);

    [LibraryImport(Lib, EntryPoint = "ring_buffer__poll")]
    public static partial int RingBufferPoll(nint rb, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "ring_buffer__free")]
    public static partial void RingBufferFree(nint rb);

    [LibraryImport(Lib, EntryPoint = "libbpf_set_print")]
    public static partial nint SetPrint(delegate* unmanaged[Cdecl]<int, nint, nint, int> fn);

    [LibraryImport(Lib, EntryPoint = "btf__parse_elf", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint BtfParseElf(string path, nint btfExt);

    [LibraryImport(Lib, EntryPoint = "btf__free")]
    public static partial void BtfFree(nint btf);

    [LibraryImport(Lib, EntryPoint = "btf__find_by_name_kind", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int BtfFindByNameKind(nint btf, string name, uint kind);

    [LibraryImport(Lib, EntryPoint = "btf__type_by_id")]
    public static partial nint BtfTypeById(nint btf, uint id);

    [LibraryImport(Lib, EntryPoint = "btf__name_by_offset")]
    public static partial nint BtfNameByOffset(nint btf, uint offset);

    /// <summary>Throws when a libbpf int API returned a negative errno.</summary>
    public static int Check(int ret, string what)
    {
        if (ret < 0)
        {
            throw new DatapathException($"{what} failed: {Errno.Describe(-ret)}{LibBpfLog.TailForError()}");
        }
        return ret;
    }
}
