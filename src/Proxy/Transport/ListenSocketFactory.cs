using System.Net;
using System.Net.Sockets;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// Creates the bound listen sockets of a redirect listener (Kestrel's
/// <c>SocketTransportOptions.CreateBoundListenSocket</c> hook): IPv6 sockets are
/// v6-only so <c>0.0.0.0:P</c> and <c>[::]:P</c> coexist, and IP_TRANSPARENT is
/// set before bind so the sockets eBPF assigns (non-local destinations) are accepted.
/// </summary>
internal static class ListenSocketFactory
{
    public static Socket Create(EndPoint endpoint, bool transparent, string? networkNamespace)
    {
        if (endpoint is not IPEndPoint ip)
        {
            throw new NotSupportedException("proxy listeners bind IP endpoints only, not " + endpoint);
        }
        var socket = NetworkNamespace.CreateTcpSocket(networkNamespace, ip.AddressFamily);
        try
        {
            if (ip.AddressFamily == AddressFamily.InterNetworkV6)
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
                    throw new IOException($"cannot set IP_TRANSPARENT on proxy listener {ip}: {e.Message} (needs CAP_NET_ADMIN; unprivileged tests set ProxyOptions.TransparentListeners = false)", e);
                }
            }
            socket.Bind(ip);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>True when an IPv6 socket can be created (in <paramref name="networkNamespace"/>).</summary>
    public static bool Ipv6Available(string? networkNamespace)
    {
        try
        {
            using var probe = NetworkNamespace.CreateTcpSocket(networkNamespace, AddressFamily.InterNetworkV6);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Hands each listening socket of a redirect to the runtime's registry (after listen()); a failure is logged.</summary>
    public static void Register(ProxyRuntime runtime, ushort proxyPort, IEnumerable<Socket> sockets)
    {
        var registry = runtime.ListenerRegistry;
        if (registry is null)
        {
            return;
        }
        foreach (var socket in sockets)
        {
            try
            {
                registry.ListenerStarted(proxyPort, socket);
            }
            catch (Exception e)
            {
                Log.ListenerRegistrationFailed(runtime.Logger, proxyPort, e);
            }
        }
    }
}
