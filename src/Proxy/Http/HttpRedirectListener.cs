using System.Net;
using System.Net.Sockets;
using CiliumL7.Proxy.Http.FastPath;
using CiliumL7.Proxy.Metrics;
using CiliumL7.Proxy.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CiliumL7.Proxy.Http;

/// <summary>
/// One Kestrel server per redirect: listens on <c>ProxyPort</c> on every
/// configured address (transparent sockets), speaks HTTP/1.1 and — through
/// <see cref="ProtocolSniffer"/> — HTTP/2 prior knowledge on the same port, and
/// runs <see cref="HttpProxyApplication"/>. Separate
/// servers let the agent add and remove redirects without touching the others.
/// </summary>
internal sealed class HttpRedirectListener : IRedirectListener
{
    private readonly KestrelServer _server;
    private readonly ProxyRuntime _runtime;

    private HttpRedirectListener(ProxyRedirect redirect, ProxyRuntime runtime, IServiceProvider services, ILoggerFactory loggerFactory)
    {
        loggerFactory = new KestrelBadRequestCounter(loggerFactory, runtime.Counters);
        Redirect = redirect;
        _runtime = runtime;
        var options = runtime.Options;
        var kestrel = new KestrelServerOptions
        {
            AddServerHeader = false,
            AllowSynchronousIO = false,
            ApplicationServices = services,
        };
        var limits = kestrel.Limits;
        limits.MaxRequestLineSize = options.MaxRequestLineSize;
        limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersTotalSize;
        limits.MaxRequestHeaderCount = options.MaxRequestHeaderCount;
        limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
        limits.KeepAliveTimeout = options.KeepAliveTimeout;
        limits.MaxConcurrentConnections = options.MaxConnectionsPerListener;
        limits.MaxConcurrentUpgradedConnections = options.MaxConnectionsPerListener;
        limits.MaxRequestBodySize = null; // bodies stream through; the upstream decides
        limits.MinRequestBodyDataRate = options.MinRequestBodyBytesPerSecond is { } rate
            ? new MinDataRate(rate, TimeSpan.FromSeconds(5))
            : null;
        // Kestrel speaks only HTTP/1.1 on a cleartext socket endpoint; a sniffer hands
        // connections that open with the HTTP/2 preface to an in-process HTTP/2 endpoint.
        var http2Endpoint = new Http2HandoffEndPoint(redirect.ProxyPort);
        var http2 = new HandoffConnectionListener(http2Endpoint);
        var sniffer = new ProtocolSniffer(http2, options.RequestHeadersTimeout);
        var fastPath = options.Http1FastPath ? new Http1FastPath(redirect, runtime) : null;
        foreach (var address in options.ListenAddresses)
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && !ListenSocketFactory.Ipv6Available(options.NetworkNamespace))
            {
                Log.Ipv6Unavailable(runtime.Logger, redirect.ProxyPort);
                continue;
            }
            kestrel.Listen(new IPEndPoint(address, redirect.ProxyPort), listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(next =>
                {
                    ConnectionDelegate http1 = fastPath is null ? next : connection => fastPath.OnConnectionAsync(connection, next);
                    return connection => sniffer.OnConnectionAsync(connection, http1);
                });
            });
        }
        kestrel.Listen(http2Endpoint, listen => listen.Protocols = HttpProtocols.Http2);
        var transparent = options.TransparentListeners;
        var networkNamespace = options.NetworkNamespace;
        var sockets = new SocketTransportFactory(
            Microsoft.Extensions.Options.Options.Create(new SocketTransportOptions
            {
                NoDelay = true,
                UnsafePreferInlineScheduling = options.InlineScheduling,
                CreateBoundListenSocket = endpoint => Remember(ListenSocketFactory.Create(endpoint, transparent, networkNamespace)),
            }),
            loggerFactory);
        _server = new KestrelServer(Microsoft.Extensions.Options.Options.Create(kestrel), new RedirectTransportFactory(sockets, http2), loggerFactory);
    }

    public ProxyRedirect Redirect { get; }

    /// <summary>The listening sockets Kestrel asked for (one per listen address).</summary>
    private readonly List<Socket> _sockets = [];

    private Socket Remember(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
        }
        return socket;
    }

    /// <summary>Hands each listening socket to the registry (after Kestrel called listen()).</summary>
    private void RegisterSockets()
    {
        lock (_sockets)
        {
            ListenSocketFactory.Register(_runtime, Redirect.ProxyPort, _sockets);
        }
    }

    public static async Task<HttpRedirectListener> StartAsync(ProxyRedirect redirect, ProxyRuntime runtime, IServiceProvider services, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var listener = new HttpRedirectListener(redirect, runtime, services, loggerFactory);
        try
        {
            await listener._server.StartAsync(new HttpProxyApplication(redirect, runtime), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            listener._server.Dispose();
            throw;
        }
        listener.RegisterSockets();
        IoThreadSlice.TrySetThreadsNamed(IoThreadSlice.SocketEngineThreadName, runtime.Options.IoThreadSlice); // Proxy/README.md
        Log.ListenerStarted(runtime.Logger, redirect.ProxyPort, redirect.Key.EndpointId, redirect.Key.Direction, redirect.Key.Port);
        return listener;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        Log.ListenerStopped(_runtime.Logger, Redirect.ProxyPort);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            _server.Dispose();
        }
    }
}
