using System.Buffers.Binary;
using System.Text;

namespace CiliumL7.Proxy.Tests.Dns;

/// <summary>Builds DNS messages byte by byte for the parser tables (the real clients are dig, getent, DnsClient).</summary>
internal static class DnsWire
{
    public static byte[] Header(ushort id, ushort flags, int qd, int an = 0, int ns = 0, int ar = 0)
    {
        var h = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(h, id);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), flags);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), (ushort)qd);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(6), (ushort)an);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(8), (ushort)ns);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(10), (ushort)ar);
        return h;
    }

    public static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        return [.. bytes];
    }

    public static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    public static byte[] U32(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    public static byte[] Query(string name, ushort type = 1, ushort id = 0x1234, bool edns = false) =>
        Concat(Header(id, 0x0100, 1, ar: edns ? 1 : 0), Name(name), U16(type), U16(1), edns ? Opt() : []);

    /// <summary>An OPT pseudo-record (root name, UDP size 1232, no options).</summary>
    public static byte[] Opt() => Concat([0], U16(41), U16(1232), U32(0), U16(0));

    /// <summary>A resource record with the owner written as a pointer to <paramref name="ownerOffset"/>.</summary>
    public static byte[] Record(int ownerOffset, ushort type, uint ttl, byte[] data) =>
        Concat([(byte)(0xC0 | (ownerOffset >> 8)), (byte)ownerOffset], U16(type), U16(1), U32(ttl), U16(data.Length), data);

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
