namespace CiliumL7.Proxy;

/// <summary>
/// Starts listeners of one <see cref="ProxyType"/>: one implementation per protocol
/// folder (<c>Http/</c>, <c>Dns/</c>, <c>Kafka/</c>), registered in <see cref="L7Proxy"/>.
/// A TCP protocol usually returns a <see cref="Transport.TcpRedirectListener"/> over its
/// own <see cref="Transport.IProxyConnectionHandler"/>; a UDP one reads a
/// <see cref="Transport.TransparentUdpSocket"/>.
/// </summary>
internal interface IRedirectListenerFactory
{
    /// <summary>The proxy type served.</summary>
    ProxyType Type { get; }

    /// <summary>Binds and starts the listener of <paramref name="redirect"/>; throws when a port cannot be bound.</summary>
    Task<IRedirectListener> StartAsync(ProxyRedirect redirect, CancellationToken cancellationToken);
}
