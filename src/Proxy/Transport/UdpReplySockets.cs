using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// Sends a UDP reply to a pod from the address and port the pod sent its datagram
/// to (the original destination): a socket bound to that address with IP_TRANSPARENT
/// (non-local bind) and SO_REUSEADDR, kept per original destination. The datapath
/// never assigns a pod's datagram to these sockets (UDP redirects look up the proxy
/// port, not the original one). At most <see cref="MaxSockets"/> are kept; past that a
/// reply uses a socket of its own that is closed at once. Thread-safe.
/// </summary>
internal sealed class UdpReplySockets(bool transparent, string? networkNamespace) : IDisposable
{
    /// <summary>How many per-destination sockets are kept open.</summary>
    public const int MaxSockets = 256;

    private readonly ConcurrentDictionary<IPEndPoint, Socket> _sockets = new();
    private volatile bool _disposed;

    /// <summary>Sends <paramref name="payload"/> from <paramref name="from"/> to <paramref name="to"/>.</summary>
    /// <exception cref="SocketException">The bind or the send failed.</exception>
    public void Send(ReadOnlySpan<byte> payload, IPEndPoint from, IPEndPoint to)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_sockets.TryGetValue(from, out var socket))
        {
            socket.SendTo(payload, SocketFlags.None, to);
            return;
        }
        socket = Create(from);
        if (_sockets.Count < MaxSockets && _sockets.TryAdd(from, socket))
        {
            socket.SendTo(payload, SocketFlags.None, to);
            return;
        }
        using (socket)
        {
            socket.SendTo(payload, SocketFlags.None, to);
        }
    }

    private Socket Create(IPEndPoint from)
    {
        var socket = NetworkNamespace.CreateUdpSocket(networkNamespace, from.AddressFamily);
        try
        {
            if (from.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (transparent)
            {
                LinuxSocketOptions.SetTransparent(socket);
            }
            socket.Bind(from);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Closes every kept socket.</summary>
    public void Dispose()
    {
        _disposed = true;
        foreach (var socket in _sockets.Values)
        {
            socket.Dispose();
        }
        _sockets.Clear();
    }
}
