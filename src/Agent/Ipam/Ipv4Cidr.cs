using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace CiliumL7.Agent.Ipam;

/// <summary>An IPv4 prefix, e.g. <c>10.244.0.0/24</c>.</summary>
internal readonly record struct Ipv4Cidr(uint Network, int PrefixLength)
{
    public uint Size => PrefixLength == 0 ? uint.MaxValue : 1u << (32 - PrefixLength);

    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public static Ipv4Cidr Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(text[(slash + 1)..], out var bits) || bits is < 0 or > 32)
        {
            throw new FormatException($"\"{text}\" is not an IPv4 CIDR (e.g. 10.244.0.0/24)");
        }
        var mask = bits == 0 ? 0 : uint.MaxValue << (32 - bits);
        return new Ipv4Cidr(ToUInt(ip) & mask, bits);
    }

    public bool Contains(IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetwork && (ToUInt(ip) & Mask) == Network;

    public IPAddress At(uint offset) => FromUInt(Network + offset);

    public uint OffsetOf(IPAddress ip) => ToUInt(ip) - Network;

    public override string ToString() => FromUInt(Network) + "/" + PrefixLength;

    public static uint ToUInt(IPAddress ip)
    {
        Span<byte> bytes = stackalloc byte[4];
        ip.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress FromUInt(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
