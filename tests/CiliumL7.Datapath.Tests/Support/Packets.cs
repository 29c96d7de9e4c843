using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace CiliumL7.Datapath.Tests.Support;

/// <summary>Crafted Ethernet frames for BPF_PROG_TEST_RUN (checksums are not checked by the programs).</summary>
internal static class Packets
{
    public const byte TcpSyn = 0x02;
    public const byte TcpAck = 0x10;

    public static byte[] Tcp(string src, ushort sport, string dst, ushort dport, byte flags = TcpSyn)
    {
        var l4 = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        l4[12] = 5 << 4;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 65535);
        return Ip(src, dst, 6, l4);
    }

    public static byte[] Udp(string src, ushort sport, string dst, ushort dport)
    {
        var l4 = new byte[8 + 4];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
        return Ip(src, dst, 17, l4);
    }

    public static byte[] IcmpEcho(string src, string dst, ushort id, bool reply = false)
    {
        bool v6 = IPAddress.Parse(src).AddressFamily == AddressFamily.InterNetworkV6;
        var l4 = new byte[16];
        l4[0] = v6 ? (byte)(reply ? 129 : 128) : (byte)(reply ? 0 : 8);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), id);
        return Ip(src, dst, v6 ? (byte)58 : (byte)1, l4);
    }

    private static byte[] Ip(string src, string dst, byte proto, byte[] l4)
    {
        var s = IPAddress.Parse(src);
        var d = IPAddress.Parse(dst);
        bool v6 = s.AddressFamily == AddressFamily.InterNetworkV6;
        int ipLen = v6 ? 40 : 20;
        var frame = new byte[14 + ipLen + l4.Length];
        byte[] dmac = [0x02, 0, 0, 0, 0, 0x02];
        byte[] smac = [0x02, 0, 0, 0, 0, 0x01];
        dmac.CopyTo(frame, 0);
        smac.CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), v6 ? (ushort)0x86DD : (ushort)0x0800);
        var ip = frame.AsSpan(14);
        if (v6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)l4.Length);
            ip[6] = proto;
            ip[7] = 64;
            s.GetAddressBytes().CopyTo(ip[8..]);
            d.GetAddressBytes().CopyTo(ip[24..]);
        }
        else
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + l4.Length));
            ip[8] = 64;
            ip[9] = proto;
            s.GetAddressBytes().CopyTo(ip[12..]);
            d.GetAddressBytes().CopyTo(ip[16..]);
        }
        l4.CopyTo(frame, 14 + ipLen);
        return frame;
    }
}
