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
    private readonly Dictionary<string, string> _programPins = new(StringComparer.Ordinal);
    private readonly string _bpfRoot;
    private nint _obj;

    private BpfObjectFile(string path, nint obj, string bpfRoot)
    {
        Path = path;
        _obj = obj;
        _bpfRoot = bpfRoot;
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
            return new BpfObjectFile(path, obj, bpfRoot);
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
        _programPins[name] = pinPath;
    }

    /// <summary>
    /// Pins again, from the file descriptors this object still holds, every map and pinned program whose pin
    /// file is gone (someone removed it from bpffs under the running agent): the kernel objects are the ones
    /// in use, so the tools, a restart and the other objects find them again. Returns the names re-pinned.
    /// </summary>
    public IReadOnlyList<string> RepairPins()
    {
        var repaired = new List<string>();
        var missing = new List<(string Name, string PinPath, int Fd)>();
        for (nint map = LibBpf.ObjectNextMap(_obj, 0); map != 0; map = LibBpf.ObjectNextMap(_obj, map))
        {
            string name = Marshal.PtrToStringUTF8(LibBpf.MapName(map)) ?? "";
            if (!name.Contains('.', StringComparison.Ordinal))
            {
                missing.Add((name, System.IO.Path.Combine(_bpfRoot, name), LibBpf.MapFd(map)));
            }
        }
        foreach (var (name, pinPath) in _programPins)
        {
            missing.Add((name, pinPath, LibBpf.ProgramFd(Program(name))));
        }
        foreach (var (name, pinPath, fd) in missing)
        {
            if (File.Exists(pinPath))
            {
                continue;
            }
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(pinPath)!);
            if (LibBpf.ObjPin(fd, pinPath) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != 17 /* EEXIST: re-pinned meanwhile */)
                {
                    throw new DatapathException($"cannot re-pin {name} at {pinPath}: {Errno.Describe(errno)}");
                }
            }
            repaired.Add(name);
        }
        return repaired;
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
