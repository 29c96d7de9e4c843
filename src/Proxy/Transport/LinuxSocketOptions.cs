using System.Net.Sockets;

namespace CiliumL7.Proxy.Transport;

/// <summary>The Linux socket options the transparent proxy needs (values from the kernel headers).</summary>
internal static class LinuxSocketOptions
{
    private const int SolSocket = 1;
    private const int SoMark = 36;
    private const int SolIp = 0;
    private const int IpTransparent = 19;
    private const int SolIpv6 = 41;
    private const int Ipv6Transparent = 75;
    private const int IpRecvOrigDstAddr = 20;
    private const int Ipv6RecvOrigDstAddr = 74;

    /// <summary>Sets IP_TRANSPARENT (or IPV6_TRANSPARENT): bind/accept non-local addresses. Needs CAP_NET_ADMIN.</summary>
    public static void SetTransparent(Socket socket)
    {
        if (socket.AddressFamily == AddressFamily.InterNetworkV6)
        {
            SetInt(socket, SolIpv6, Ipv6Transparent, 1);
            if (socket.DualMode)
            {
                SetInt(socket, SolIp, IpTransparent, 1);
            }
        }
        else
        {
            SetInt(socket, SolIp, IpTransparent, 1);
        }
    }

    /// <summary>
    /// Sets IP_RECVORIGDSTADDR (or IPV6_RECVORIGDSTADDR): each datagram read with
    /// recvmsg carries the address and port it was sent to (the original destination
    /// of a datagram the datapath assigned to this socket).
    /// </summary>
    public static void SetReceiveOriginalDestination(Socket socket)
    {
        if (socket.AddressFamily == AddressFamily.InterNetworkV6)
        {
            SetInt(socket, SolIpv6, Ipv6RecvOrigDstAddr, 1);
        }
        else
        {
            SetInt(socket, SolIp, IpRecvOrigDstAddr, 1);
        }
    }

    /// <summary>Sets SO_MARK. Needs CAP_NET_ADMIN.</summary>
    public static void SetMark(Socket socket, uint mark) => SetInt(socket, SolSocket, SoMark, unchecked((int)mark));

    private static void SetInt(Socket socket, int level, int name, int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(bytes, value);
        socket.SetRawSocketOption(level, name, bytes);
    }
}
