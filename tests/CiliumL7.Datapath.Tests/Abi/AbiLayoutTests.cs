using System.Reflection;
using System.Runtime.InteropServices;
using CiliumL7.Datapath.Abi;
using CiliumL7.Datapath.Tests.Support;

namespace CiliumL7.Datapath.Tests.Abi;

/// <summary>Every C# mirror struct against the compiled object's BTF: size and every field offset.</summary>
public sealed class AbiLayoutTests
{
    public static TheoryData<string, Type> Structs => new()
    {
        { "cl7_endpoint", typeof(EndpointValue) },
        { "cl7_ep_policy", typeof(EndpointPolicyValue) },
        { "cl7_ipcache_key", typeof(IpcacheKey) },
        { "cl7_ipcache_value", typeof(IpcacheValue) },
        { "cl7_policy_key", typeof(PolicyKey) },
        { "cl7_policy_value", typeof(PolicyValue) },
        { "cl7_ct_key", typeof(CtKey) },
        { "cl7_ct_entry", typeof(CtEntry) },
        { "cl7_event", typeof(EventRecord) },
        { "cl7_metrics_value", typeof(MetricsValue) },
    };

    [Theory]
    [MemberData(nameof(Structs))]
    public void MirrorStruct_MatchesBtf_SizeAndEveryOffset(string cName, Type mirror)
    {
        using var btf = BtfFile.Parse(BpfObjects.FromContainer);
        var (size, members) = btf.Struct(cName);

        Assert.Equal(size, Marshal.SizeOf(mirror));
        var fields = mirror.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.Equal(members.Count, fields.Length);
        for (int i = 0; i < members.Count; i++)
        {
            var (name, bitOffset) = members[i];
            var field = fields[i];
            Assert.Equal(Normalize(name), Normalize(field.Name));
            Assert.True(bitOffset % 8 == 0, $"{cName}.{name} is a bitfield");
            Assert.Equal(bitOffset / 8, (int)Marshal.OffsetOf(mirror, field.Name));
        }
    }

    private static string Normalize(string name)
    {
        var n = name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        return n.EndsWith("be", StringComparison.Ordinal) && n.Length > 4 ? n[..^2] : n;
    }
}
