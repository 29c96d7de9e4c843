using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;

namespace CiliumL7.Proxy.Transport;

/// <summary>One accepted, redirected TCP connection as protocol code sees it.</summary>
internal sealed class ProxyConnection
{
    private readonly ConnectionContext _context;

    public ProxyConnection(ConnectionContext context, ProxyRedirect redirect)
    {
        _context = context;
        Redirect = redirect;
        Client = context.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.Any, 0);
        OriginalDestination = redirect.TestUpstreamOverride ?? context.LocalEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.Any, 0);
        Client = Normalize(Client);
        OriginalDestination = Normalize(OriginalDestination);
    }

    /// <summary>The redirect the connection came through.</summary>
    public ProxyRedirect Redirect { get; }

    /// <summary>The client (the pod for an egress redirect).</summary>
    public IPEndPoint Client { get; }

    /// <summary>The server the client addressed (the accepted socket's local endpoint under sk_assign).</summary>
    public IPEndPoint OriginalDestination { get; }

    /// <summary>The client's bytes in, the answers out.</summary>
    public IDuplexPipe Transport => _context.Transport;

    /// <summary>Cancelled when the client goes away or the listener stops.</summary>
    public CancellationToken ConnectionClosed => _context.ConnectionClosed;

    /// <summary>Kestrel's connection id (for logs).</summary>
    public string ConnectionId => _context.ConnectionId;

    /// <summary>Aborts the connection at once (a reset, not a graceful close).</summary>
    public void Abort(string reason) => _context.Abort(new ConnectionAbortedException(reason));

    private static IPEndPoint Normalize(IPEndPoint e) =>
        e.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(e.Address.MapToIPv4(), e.Port) : e;
}
