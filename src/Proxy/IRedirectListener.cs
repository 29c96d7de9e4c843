namespace CiliumL7.Proxy;

/// <summary>
/// The running listener of one <see cref="ProxyRedirect"/> (its sockets and the
/// protocol handler behind them). Disposing stops it; in-flight work gets a short grace period.
/// </summary>
internal interface IRedirectListener : IAsyncDisposable
{
    /// <summary>The redirect served.</summary>
    ProxyRedirect Redirect { get; }
}
