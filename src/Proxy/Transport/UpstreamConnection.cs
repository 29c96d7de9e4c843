using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// One raw upstream TCP connection of the HTTP/1.1 fast path: bound to the
/// original client address (transparent) and marked like
/// <see cref="UpstreamClientPool"/>'s sockets, with a receive buffer the
/// protocol code parses in place and an inactivity timeout on every receive.
/// Owned by one client connection at a time; idle ones wait in <see cref="UpstreamConnectionPool"/>.
/// </summary>
internal sealed class UpstreamConnection : IDisposable
{
    private const int BufferSize = 16 * 1024;

    private readonly Socket _socket;
    private CancellationTokenSource _timeout = new();
    private bool _disposed;

    private UpstreamConnection(Socket socket, UpstreamKey key)
    {
        _socket = socket;
        Key = key;
    }

    /// <summary>Source (null when not transparent) and destination.</summary>
    public UpstreamKey Key { get; }

    /// <summary>Receive buffer; unread bytes are <c>[Start, End)</c>.</summary>
    public byte[] Buffer { get; } = new byte[BufferSize];

    /// <summary>First unread byte in <see cref="Buffer"/>.</summary>
    public int Start { get; set; }

    /// <summary>End of the received bytes in <see cref="Buffer"/>.</summary>
    public int End { get; set; }

    /// <summary>Requests this connection has completed (0 = fresh, never reused).</summary>
    public int Completed { get; set; }

    /// <summary>When it was last put back idle (<see cref="Environment.TickCount64"/>).</summary>
    public long IdleSince { get; set; }

    /// <summary>Opens a connection: mark, transparent bind to the key's source, connect within <see cref="ProxyOptions.UpstreamConnectTimeout"/>.</summary>
    public static async ValueTask<UpstreamConnection> ConnectAsync(UpstreamKey key, ProxyOptions options, CancellationToken cancellationToken)
    {
        var destination = key.Destination;
        var socket = NetworkNamespace.CreateTcpSocket(options.NetworkNamespace, destination.AddressFamily);
        try
        {
            socket.NoDelay = true;
            if (options.UpstreamMark != 0)
            {
                LinuxSocketOptions.SetMark(socket, options.UpstreamMark);
            }
            if (key.Source is { } source)
            {
                LinuxSocketOptions.SetTransparent(socket);
                var bindAddress = source.AddressFamily == destination.AddressFamily ? source
                    : destination.AddressFamily == AddressFamily.InterNetwork ? source.MapToIPv4() : source.MapToIPv6();
                socket.Bind(new IPEndPoint(bindAddress, 0));
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.UpstreamConnectTimeout);
            try
            {
                await socket.ConnectAsync(destination, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"connect to {destination} timed out after {options.UpstreamConnectTimeout.TotalSeconds:0.#} s");
            }
            return new UpstreamConnection(socket, key);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>
    /// Receives into <see cref="Buffer"/> after <see cref="End"/> (compacting first
    /// when the tail is full). Returns the bytes received, 0 at end of stream.
    /// Throws <see cref="TimeoutException"/> after <paramref name="timeout"/> of silence.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReceiveAsync(TimeSpan timeout)
    {
        if (End == Buffer.Length)
        {
            Compact();
            if (End == Buffer.Length)
            {
                throw new InvalidOperationException("upstream receive buffer full");
            }
        }
        _timeout.CancelAfter(timeout);
        int n;
        try
        {
            n = await _socket.ReceiveAsync(Buffer.AsMemory(End), SocketFlags.None, _timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no data from {Key.Destination} within {timeout.TotalSeconds:0.#} s");
        }
        if (!_timeout.TryReset())
        {
            // The timer fired just after the data came: keep the data, renew the source.
            _timeout.Dispose();
            _timeout = new CancellationTokenSource();
        }
        End += n;
        return n;
    }

    /// <summary>Moves the unread bytes to the start of the buffer.</summary>
    public void Compact()
    {
        if (Start == 0)
        {
            return;
        }
        var length = End - Start;
        Buffer.AsSpan(Start, length).CopyTo(Buffer);
        Start = 0;
        End = length;
    }

    /// <summary>True when the peer has closed (or sent unsolicited bytes): not reusable.</summary>
    public bool IsStale()
    {
        try
        {
            return Start != End || _socket.Poll(0, SelectMode.SelectRead);
        }
        catch (SocketException)
        {
            return true;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>
    /// Closes with a reset instead of a FIN: the request this connection carried is incomplete (the client
    /// went away mid-body), and a FIN would let the server read the truncated body as a finished one.
    /// </summary>
    public void Abort()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already closed by the peer: nothing left to reset
        }
        Dispose();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _socket.Dispose();
        _timeout.Dispose();
    }
}
