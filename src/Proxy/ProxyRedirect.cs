using System.Net;

namespace CiliumL7.Proxy;

/// <summary>
/// One proxy listener: connections the datapath steers to <see cref="ProxyPort"/>
/// are judged with the rules of <see cref="Key"/>.
/// </summary>
/// <param name="ProxyPort">The listener port (the port the eBPF redirect assigns sockets to).</param>
/// <param name="Key">The endpoint, direction and port whose rules apply.</param>
/// <param name="Type">The L7 parser; only <see cref="ProxyType.Http"/> is implemented.</param>
public sealed record ProxyRedirect(ushort ProxyPort, RedirectKey Key, ProxyType Type = ProxyType.Http)
{
    /// <summary>
    /// TEST ONLY. Without the eBPF redirect the accepted socket's local endpoint is
    /// the proxy itself, so loopback tests name the "original destination" here.
    /// When set, it replaces the accepted connection's local endpoint everywhere
    /// (forwarding, flow events, peer lookup). Production redirects leave it null.
    /// </summary>
    public IPEndPoint? TestUpstreamOverride { get; init; }

    /// <summary>
    /// TEST ONLY. The network namespace (path) the Kafka handler opens its upstream
    /// connection in, when the test's broker lives in another namespace than the
    /// proxy's listener. Production redirects leave it null (the proxy's namespace).
    /// </summary>
    public string? TestUpstreamNetworkNamespace { get; init; }
}
