using System.Runtime.InteropServices;
using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Tests.Support;

/// <summary>Reads struct layouts from an object's BTF with libbpf.</summary>
internal sealed unsafe class BtfFile : IDisposable
{
    private const uint KindStruct = 4;
    private nint _btf;

    private BtfFile(nint btf) => _btf = btf;

    public static BtfFile Parse(string path)
    {
        nint btf = LibBpf.BtfParseElf(path, 0);
        if (btf == 0)
        {
            throw new InvalidOperationException("no BTF in " + path);
        }
        return new BtfFile(btf);
    }

    public (int Size, List<(string Name, int BitOffset)> Members) Struct(string name)
    {
        int id = LibBpf.BtfFindByNameKind(_btf, name, KindStruct);
        Assert.True(id > 0, $"struct {name} is not in the object's BTF");
        uint* t = (uint*)LibBpf.BtfTypeById(_btf, (uint)id);
        uint info = t[1];
        int vlen = (int)(info & 0xffff);
        bool kflag = (info >> 31) != 0;
        int size = (int)t[2];
        var members = new List<(string, int)>(vlen);
        uint* m = t + 3;
        for (int i = 0; i < vlen; i++, m += 3)
        {
            string memberName = Marshal.PtrToStringUTF8(LibBpf.BtfNameByOffset(_btf, m[0])) ?? "";
            int offset = (int)(kflag ? m[2] & 0xffffff : m[2]);
            members.Add((memberName, offset));
        }
        return (size, members);
    }

    public void Dispose()
    {
        if (_btf != 0)
        {
            LibBpf.BtfFree(_btf);
            _btf = 0;
        }
    }
}
