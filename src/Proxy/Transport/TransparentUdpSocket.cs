using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// A UDP proxy socket the datapath assigns datagrams to (bpf_sk_assign): bound to
/// <c>0.0.0.0:P</c> or <c>[::]:P</c> with IP_TRANSPARENT, reading each datagram with
/// recvmsg and IP_RECVORIGDSTADDR so the proxy learns the server the pod addressed.
/// Reads block with a short timeout (<see cref="Receive"/> returns null then), so one
/// reader thread per socket can notice a shutdown. Replies go out through
/// <see cref="UdpReplySockets"/> (sent from the original destination's address and port).
/// </summary>
internal sealed partial class TransparentUdpSocket : IDisposable
{
    private const int MsgTrunc = 0x20;
    private const int Eagain = 11;
    private const int Eintr = 4;
    private const int SolIp = 0;
    private const int IpOrigDstAddr = 20;
    private const int SolIpv6 = 41;
    private const int Ipv6OrigDstAddr = 74;

    private readonly Socket _socket;

    private TransparentUdpSocket(Socket socket, IPEndPoint local)
    {
        _socket = socket;
        LocalEndPoint = local;
    }

    /// <summary>The address the socket is bound to.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The socket (for the datapath's listener registry).</summary>
    public Socket Socket => _socket;

    /// <summary>
    /// Binds <paramref name="endpoint"/>. <paramref name="transparent"/> sets IP_TRANSPARENT
    /// (needs CAP_NET_ADMIN; loopback tests go without). <paramref name="receiveTimeout"/>
    /// bounds each <see cref="Receive"/>.
    /// </summary>
    public static TransparentUdpSocket Bind(IPEndPoint endpoint, bool transparent, string? networkNamespace, TimeSpan receiveTimeout)
    {
        var socket = NetworkNamespace.CreateUdpSocket(networkNamespace, endpoint.AddressFamily);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (transparent)
            {
                try
                {
                    LinuxSocketOptions.SetTransparent(socket);
                }
                catch (SocketException e)
                {
                    throw new IOException($"cannot set IP_TRANSPARENT on UDP proxy socket {endpoint}: {e.Message} (needs CAP_NET_ADMIN; unprivileged tests set ProxyOptions.TransparentListeners = false)", e);
                }
            }
            LinuxSocketOptions.SetReceiveOriginalDestination(socket);
            socket.ReceiveBufferSize = 4 << 20;
            socket.ReceiveTimeout = (int)Math.Max(1, receiveTimeout.TotalMilliseconds);
            socket.Bind(endpoint);
            return new TransparentUdpSocket(socket, (IPEndPoint)socket.LocalEndPoint!);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one datagram into <paramref name="buffer"/> (blocking up to the receive
    /// timeout); null on timeout or when the socket is closed. A datagram without the
    /// original-destination ancillary data gets the socket's own address.
    /// </summary>
    public unsafe UdpDatagram? Receive(Span<byte> buffer)
    {
        var name = stackalloc byte[128];
        var control = stackalloc byte[256];
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var msg = new MsgHdr
            {
                Name = name,
                NameLength = 128,
                Iov = &iov,
                IovLength = 1,
                Control = control,
                ControlLength = 256,
            };
            // Hold the handle for the call, so a concurrent Dispose cannot close (and reuse) the fd under it.
            var handle = _socket.SafeHandle;
            var added = false;
            nint n;
            try
            {
                handle.DangerousAddRef(ref added);
                n = RecvMsg(handle.DangerousGetHandle(), &msg, 0);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is Eagain or Eintr)
                {
                    return null;
                }
                throw new SocketException(errno);
            }
            var source = ReadSockAddr(new ReadOnlySpan<byte>(name, (int)msg.NameLength)) ?? new IPEndPoint(IPAddress.Any, 0);
            var original = ReadOriginalDestination(new ReadOnlySpan<byte>(control, (int)msg.ControlLength)) ?? LocalEndPoint;
            return new UdpDatagram((int)Math.Min(n, buffer.Length), source, original, (msg.Flags & MsgTrunc) != 0);
        }
    }

    /// <summary>Closes the socket; a blocked <see cref="Receive"/> returns within the receive timeout.</summary>
    public void Dispose() => _socket.Dispose();

    private static IPEndPoint? ReadOriginalDestination(ReadOnlySpan<byte> control)
    {
        // struct cmsghdr { size_t len; int level; int type; } then data, each aligned to 8.
        while (control.Length >= 16)
        {
            var len = (int)BinaryPrimitives.ReadUInt64LittleEndian(control);
            if (len < 16 || len > control.Length)
            {
                return null;
            }
            var level = BinaryPrimitives.ReadInt32LittleEndian(control[8..]);
            var type = BinaryPrimitives.ReadInt32LittleEndian(control[12..]);
            if ((level == SolIp && type == IpOrigDstAddr) || (level == SolIpv6 && type == Ipv6OrigDstAddr))
            {
                return ReadSockAddr(control[16..len]);
            }
            var step = (len + 7) & ~7;
            if (step >= control.Length)
            {
                return null;
            }
            control = control[step..];
        }
        return null;
    }

    /// <summary>sockaddr_in / sockaddr_in6 as the kernel writes them.</summary>
    internal static IPEndPoint? ReadSockAddr(ReadOnlySpan<byte> sa)
    {
        if (sa.Length < 2)
        {
            return null;
        }
        var family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        if (family == 2 && sa.Length >= 8)
        {
            return new IPEndPoint(new IPAddress(sa.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(sa[2..]));
        }
        if (family == 10 && sa.Length >= 24)
        {
            var address = new IPAddress(sa.Slice(8, 16));
            return new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, BinaryPrimitives.ReadUInt16BigEndian(sa[2..]));
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static unsafe partial nint RecvMsg(nint fd, MsgHdr* msg, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }
}
