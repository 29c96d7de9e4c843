using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// The listener of a TCP redirect whose protocol is not HTTP: a Kestrel server with
/// Kestrel's socket transport on transparent listen sockets (<c>0.0.0.0:P</c>, and
/// <c>[::]:P</c> when IPv6 is up), each accepted connection handed to an
/// <see cref="IProxyConnectionHandler"/> as a duplex pipe. Kestrel's HTTP stack never
/// runs (the connection middleware is terminal). A protocol plugs in with one
/// handler class and one <see cref="IRedirectListenerFactory"/> that calls
/// <see cref="StartAsync"/>.
/// </summary>
internal sealed class TcpRedirectListener : IRedirectListener
{
    private readonly KestrelServer _server;
    private readonly ProxyRuntime _runtime;
    private readonly List<Socket> _sockets = [];

    private TcpRedirectListener(ProxyRedirect redirect, ProxyRuntime runtime, IServiceProvider services, ILoggerFactory loggerFactory, IProxyConnectionHandler handler)
    {
        Redirect = redirect;
        _runtime = runtime;
        var options = runtime.Options;
        var kestrel = new KestrelServerOptions { AddServerHeader = false, ApplicationServices = services };
        kestrel.Limits.MaxConcurrentConnections = options.MaxConnectionsPerListener;
        foreach (var address in options.ListenAddresses)
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && !ListenSocketFactory.Ipv6Available(options.NetworkNamespace))
            {
                Log.Ipv6Unavailable(runtime.Logger, redirect.ProxyPort);
                continue;
            }
            kestrel.Listen(new IPEndPoint(address, redirect.ProxyPort), listen =>
                listen.Use(_ => context => handler.OnConnectionAsync(new ProxyConnection(context, redirect))));
        }
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
        _server = new KestrelServer(Microsoft.Extensions.Options.Options.Create(kestrel), sockets, loggerFactory);
    }

    /// <inheritdoc />
    public ProxyRedirect Redirect { get; }

    /// <summary>Binds and starts; throws when a port cannot be bound.</summary>
    public static async Task<TcpRedirectListener> StartAsync(ProxyRedirect redirect, ProxyRuntime runtime, IServiceProvider services, ILoggerFactory loggerFactory, IProxyConnectionHandler handler, CancellationToken cancellationToken)
    {
        var listener = new TcpRedirectListener(redirect, runtime, services, loggerFactory, handler);
        try
        {
            await listener._server.StartAsync(new NoHttpApplication(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            listener._server.Dispose();
            throw;
        }
        lock (listener._sockets)
        {
            ListenSocketFactory.Register(runtime, redirect.ProxyPort, listener._sockets);
        }
        // The socket engine threads exist once a listener accepts: they run this proxy's request path.
        IoThreadSlice.TrySetThreadsNamed(IoThreadSlice.SocketEngineThreadName, runtime.Options.IoThreadSlice);
        Log.ListenerStarted(runtime.Logger, redirect.ProxyPort, redirect.Key.EndpointId, redirect.Key.Direction, redirect.Key.Port);
        return listener;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _server.StopAsync(timeout.Token).ConfigureAwait(false);
            Log.ListenerStopped(_runtime.Logger, Redirect.ProxyPort);
        }
        finally
        {
            _server.Dispose();
        }
    }

    private Socket Remember(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
        }
        return socket;
    }

    /// <summary>Never called: the connection middleware answers every connection itself.</summary>
    private sealed class NoHttpApplication : IHttpApplication<IFeatureCollection>
    {
        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

        public Task ProcessRequestAsync(IFeatureCollection context) => Task.CompletedTask;

        public void DisposeContext(IFeatureCollection context, Exception? exception)
        {
        }
    }
}
