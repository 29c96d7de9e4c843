using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Services;

/// <summary>
/// Conversions between .NET values and the network-byte-order fields of the
/// LB maps: a field's in-memory bytes are the wire bytes.
/// </summary>
internal static class LbWire
{
    /// <summary>The IPv4 address as a <c>__be32</c>.</summary>
    public static uint Address(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("the socket load balancer handles IPv4 services only; got " + address, nameof(address));
        }
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return MemoryMarshal.Read<uint>(bytes);
    }

    /// <summary>A <c>__be32</c> back to an address.</summary>
    public static IPAddress Address(uint wire)
    {
        Span<byte> bytes = stackalloc byte[4];
        MemoryMarshal.Write(bytes, in wire);
        return new IPAddress(bytes);
    }

    /// <summary>Host port to <c>__be16</c> and back (the swap is its own inverse).</summary>
    public static ushort Port(ushort port) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(port) : port;
}
