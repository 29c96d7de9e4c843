using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using CiliumL7.Datapath.Services;

namespace CiliumL7.Datapath.Tests;

/// <summary>The C# mirrors of the socket-LB structs match the compiled object's BTF (size and every field offset).</summary>
public sealed partial class ServicesAbiTests
{
    public static TheoryData<string, Type, string[]> Structs => new()
    {
        { "cl7_lb4_key", typeof(Lb4Key), ["address:Address", "dport:DPort", "backend_slot:BackendSlot", "proto:Proto", "pad:_pad0"] },
        { "cl7_lb4_service", typeof(Lb4Service), ["backend_id:BackendId", "count:Count", "rev_nat_index:RevNatIndex", "flags:Flags"] },
        { "cl7_lb4_backend", typeof(Lb4Backend), ["address:Address", "port:Port", "proto:Proto", "flags:Flags"] },
        { "cl7_lb4_rev_sk_key", typeof(Lb4RevSkKey), ["cookie:Cookie", "address:Address", "port:Port", "pad:_pad"] },
        { "cl7_lb4_rev_sk", typeof(Lb4RevSk), ["address:Address", "port:Port", "rev_nat_index:RevNatIndex"] },
        { "cl7_lb_netns", typeof(LbNetns), ["flags:Flags", "pad:_pad"] },
    };

    [Theory]
    [MemberData(nameof(Structs))]
    public void Mirror_ComparedWithBtf_HasSameSizeAndOffsets(string cName, Type mirror, string[] fields)
    {
        var (size, offsets) = BtfStruct(cName);
        Assert.Equal(size, Marshal.SizeOf(mirror));
        Assert.Equal(fields.Length, offsets.Count);
        foreach (var pair in fields)
        {
            var (c, cs) = (pair.Split(':')[0], pair.Split(':')[1]);
            Assert.True(offsets.ContainsKey(c), cName + " has no field " + c + " in BTF");
            Assert.Equal(offsets[c], (int)Marshal.OffsetOf(mirror, cs));
        }
    }

    private static (int Size, Dictionary<string, int> Offsets) BtfStruct(string name)
    {
        var dump = ServicesShell.Ok("bpftool", "btf", "dump", "file", ServicesBpfObject.Path, "format", "raw");
        var lines = dump.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var head = StructHead().Match(lines[i]);
            if (!head.Success || head.Groups[1].Value != name)
            {
                continue;
            }
            var offsets = new Dictionary<string, int>();
            var vlen = int.Parse(head.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
            for (var j = 1; j <= vlen; j++)
            {
                var m = Member().Match(lines[i + j]);
                Assert.True(m.Success, "unexpected BTF member line: " + lines[i + j]);
                offsets[m.Groups[1].Value] = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) / 8;
            }
            return (int.Parse(head.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), offsets);
        }
        throw new InvalidOperationException("struct " + name + " not in the BTF of " + ServicesBpfObject.Path);
    }

    [GeneratedRegex(@"^\[\d+\] STRUCT '([a-z0-9_]+)' size=(\d+) vlen=(\d+)")]
    private static partial Regex StructHead();

    [GeneratedRegex(@"^\s+'([a-z0-9_]+)' type_id=\d+ bits_offset=(\d+)")]
    private static partial Regex Member();
}
