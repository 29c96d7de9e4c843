using System.Net.Sockets;

namespace CiliumL7.Proxy;

/// <summary>
/// Told about every listening socket of a redirect listener once it listens
/// (the agent registers them with the datapath's sk_lookup program, so a
/// client that reuses its port while the proxy still holds the previous
/// connection in TIME_WAIT reaches the proxy at once). Called on the thread
/// that starts the listener; a failure is logged, never fatal: the datapath
/// still assigns new connections to the listener itself.
/// </summary>
public interface IProxyListenerRegistry
{
    /// <summary>A listener of <paramref name="proxyPort"/> is listening on <paramref name="socket"/>.</summary>
    void ListenerStarted(ushort proxyPort, Socket socket);
}
