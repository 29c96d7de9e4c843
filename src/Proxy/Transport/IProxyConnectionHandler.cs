namespace CiliumL7.Proxy.Transport;

/// <summary>
/// The protocol code of a TCP redirect (DNS over TCP, Kafka, …): handed each
/// accepted connection as a duplex pipe by <see cref="TcpRedirectListener"/>.
/// It never touches sockets; it reads requests from
/// <see cref="ProxyConnection.Transport"/>, judges them, writes answers back and
/// returns when the connection is done (the listener then closes it).
/// </summary>
internal interface IProxyConnectionHandler
{
    /// <summary>Serves one connection until it ends.</summary>
    Task OnConnectionAsync(ProxyConnection connection);
}
