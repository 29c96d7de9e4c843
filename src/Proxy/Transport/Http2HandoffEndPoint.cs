using System.Net;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// The in-process endpoint of a listener's HTTP/2 side: it binds no socket;
/// <see cref="ProtocolSniffer"/> hands it the connections that start with the
/// HTTP/2 preface.
/// </summary>
internal sealed class Http2HandoffEndPoint(ushort proxyPort) : EndPoint
{
    public ushort ProxyPort { get; } = proxyPort;

    public override string ToString() => $"h2-prior-knowledge:{ProxyPort}";
}
