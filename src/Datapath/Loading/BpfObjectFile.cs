using System.Runtime.InteropServices;
using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Loading;

/// <summary>
/// One loaded BPF object file (<c>bin/bpf/NAME.o</c>). Every map is pinned at
/// <c>&lt;bpfRoot&gt;/&lt;map name&gt;</c>: libbpf reuses a pinned map when
/// it exists (so state survives restarts and both objects share maps) and
/// pins it otherwise.
/// </summary>
internal sealed class BpfObjectFile : IDisposable
{
    private nint _obj;

    private BpfObjectFile(string path, nint obj)
    {
        Path = path;
        _obj = obj;
    }

    public string Path { get; }

    public static BpfObjectFile Load(string path, string bpfRoot)
    {
        LibBpfLog.Install();
        if (!File.Exists(path))
        {
            throw new DatapathException($"BPF object {path} does not exist: run `make bpf` (or pass the directory holding from-container.o and to-container.o)");
        }
        nint obj = LibBpf.ObjectOpenFile(path, 0);
        if (obj == 0)
        {
            throw new DatapathException($"cannot open BPF object {path}: {Errno.Describe(Marshal.GetLastPInvokeError())}{LibBpfLog.TailForError()}");
        }
        try
        {
            for (nint map = LibBpf.ObjectNextMap(obj, 0); map != 0; map = LibBpf.ObjectNextMap(obj, map))
            {
                string name = Marshal.PtrToStringUTF8(LibBpf.MapName(map)) ?? "";
                if (name.Contains('.', StringComparison.Ordinal))
                {
                    continue; /* .rodata/.bss: private to the object */
                }
                LibBpf.Check(LibBpf.MapSetPinPath(map, System.IO.Path.Combine(bpfRoot, name)), $"pin path of map {name}");
            }
            LibBpf.Check(LibBpf.ObjectLoad(obj), $"load of {path}");
            return new BpfObjectFile(path, obj);
        }
        catch
        {
            LibBpf.ObjectClose(obj);
            throw;
        }
    }

    public int MapFd(string name)
    {
        for (nint map = LibBpf.ObjectNextMap(_obj, 0); map != 0; map = LibBpf.ObjectNextMap(_obj, map))
        {
            if (Marshal.PtrToStringUTF8(LibBpf.MapName(map)) == name)
            {
                return LibBpf.MapFd(map);
            }
        }
        throw new DatapathException($"map {name} not found in {Path}: the object does not match abi.h");
    }

    public int ProgramFd(string name) => LibBpf.ProgramFd(Program(name));

    /// <summary>The attach type libbpf derived from the program's section name.</summary>
    public int ProgramAttachType(string name) => LibBpf.ProgramExpectedAttachType(Program(name));

    /// <summary>Pins the program at <paramref name="pinPath"/>, replacing an older pin.</summary>
    public void PinProgram(string name, string pinPath)
    {
        if (File.Exists(pinPath))
        {
            File.Delete(pinPath);
        }
        LibBpf.Check(LibBpf.ProgramPin(Program(name), pinPath), $"pin of program {name} at {pinPath}");
    }

    private nint Program(string name)
    {
        nint prog = LibBpf.ObjectFindProgramByName(_obj, name);
        if (prog == 0)
        {
            throw new DatapathException($"program {name} not found in {Path}");
        }
        return prog;
    }

    public void Dispose()
    {
        if (_obj != 0)
        {
            LibBpf.ObjectClose(_obj);
            _obj = 0;
        }
    }
}
