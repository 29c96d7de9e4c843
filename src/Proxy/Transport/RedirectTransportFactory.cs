using System.Net;
using Microsoft.AspNetCore.Connections;

namespace CiliumL7.Proxy.Transport;

/// <summary>Binds real endpoints with Kestrel's socket transport and the HTTP/2 handoff endpoint in-process.</summary>
internal sealed class RedirectTransportFactory(IConnectionListenerFactory sockets, HandoffConnectionListener http2) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        endpoint is Http2HandoffEndPoint
            ? ValueTask.FromResult<IConnectionListener>(http2)
            : sockets.BindAsync(endpoint, cancellationToken);

    public bool CanBind(EndPoint endpoint) => true;
}
