using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// The upstream HTTP clients. Connections are pooled per destination inside a
/// <see cref="SocketsHttpHandler"/>; in transparent mode each original client
/// address gets its own handler (a pooled connection is bound to one source
/// address, so it may only carry that client's requests).
/// </summary>
internal sealed class UpstreamClientPool : IDisposable
{
    private readonly ProxyOptions _options;
    private readonly HttpMessageInvoker _shared;
    private readonly ConcurrentDictionary<IPAddress, HttpMessageInvoker> _bySource = new();

    public UpstreamClientPool(ProxyOptions options)
    {
        _options = options;
        _shared = CreateInvoker(null);
    }

    /// <summary>The client for requests of <paramref name="clientAddress"/>; null: from the node's own address.</summary>
    public HttpMessageInvoker Get(IPAddress? clientAddress)
    {
        if (!_options.TransparentUpstream || clientAddress is null)
        {
            return _shared;
        }
        if (_bySource.TryGetValue(clientAddress, out var invoker))
        {
            return invoker;
        }
        if (_bySource.Count >= _options.MaxUpstreamPools)
        {
            // Rare: forget every pool (in-flight requests keep theirs; idle connections time out).
            _bySource.Clear();
        }
        return _bySource.GetOrAdd(clientAddress, static (address, self) => self.CreateInvoker(address), this);
    }

    private HttpMessageInvoker CreateInvoker(IPAddress? source)
    {
        var options = _options;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
            ConnectTimeout = options.UpstreamConnectTimeout,
            PooledConnectionIdleTimeout = options.UpstreamIdleTimeout,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, source, options.UpstreamMark, options.NetworkNamespace, cancellationToken),
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>Opens one upstream socket: transparent bind to the client address, mark, connect to the original destination.</summary>
    internal static async ValueTask<Stream> ConnectAsync(DnsEndPoint destination, IPAddress? source, uint mark, string? networkNamespace, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(destination.Host, out var address))
        {
            throw new InvalidOperationException("upstream destination must be an IP address, got " + destination.Host);
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var socket = NetworkNamespace.CreateTcpSocket(networkNamespace, address.AddressFamily);
        socket.NoDelay = true;
        try
        {
            if (mark != 0)
            {
                LinuxSocketOptions.SetMark(socket, mark);
            }
            if (source is not null)
            {
                LinuxSocketOptions.SetTransparent(socket);
                var bindAddress = source.AddressFamily == address.AddressFamily ? source
                    : address.AddressFamily == AddressFamily.InterNetwork ? source.MapToIPv4() : source.MapToIPv6();
                socket.Bind(new IPEndPoint(bindAddress, 0));
            }
            await socket.ConnectAsync(new IPEndPoint(address, destination.Port), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _shared.Dispose();
        foreach (var pair in _bySource)
        {
            pair.Value.Dispose();
        }
        _bySource.Clear();
    }
}
