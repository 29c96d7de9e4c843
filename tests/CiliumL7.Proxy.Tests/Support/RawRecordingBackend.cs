using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CiliumL7.Proxy.Tests.Support;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 that records every byte it receives
/// and every request it parses, and answers <c>200 ok METHOD TARGET</c>
/// (or misbehaves, per <see cref="Mode"/>).
/// </summary>
public sealed class RawRecordingBackend : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ConcurrentQueue<IPEndPoint> _peers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly Task _accept;
    private long _bytes;
    private int _connections;

    public RawRecordingBackend(BackendMode mode = BackendMode.Respond, IPAddress? address = null, int port = 0, string? networkNamespace = null)
    {
        Mode = mode;
        address ??= IPAddress.Loopback;
        _listener = CiliumL7.Proxy.Transport.NetworkNamespace.CreateTcpSocket(networkNamespace, address.AddressFamily);
        _listener.Bind(new IPEndPoint(address, port));
        _listener.Listen(512);
        _accept = AcceptLoopAsync();
    }

    public BackendMode Mode { get; set; }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>The client address and port of every accepted connection.</summary>
    public IReadOnlyList<IPEndPoint> Peers => [.. _peers];

    public long BytesReceived => Interlocked.Read(ref _bytes);

    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
                _peers.Enqueue((IPEndPoint)socket.RemoteEndPoint!);
            }
            catch (Exception)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _sockets.Add(socket);
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var buffer = new List<byte>();
        var chunk = new byte[16384];
        try
        {
            while (true)
            {
                var head = await ReadHeadAsync(socket, buffer, chunk);
                if (head is null)
                {
                    return;
                }
                var lines = head.Split("\r\n");
                var requestLine = lines[0].Split(' ');
                var headers = new List<KeyValuePair<string, string>>();
                for (var i = 1; i < lines.Length; i++)
                {
                    var colon = lines[i].IndexOf(':');
                    headers.Add(new(lines[i][..colon], lines[i][(colon + 1)..].Trim()));
                }
                var request = new RecordedRequest(requestLine[0], requestLine[1], requestLine[2], headers, []);
                var (body, complete) = await ReadBodyAsync(socket, request, buffer, chunk);
                _requests.Enqueue(request with { Body = body, Truncated = !complete });
                switch (Mode)
                {
                    case BackendMode.ResetBeforeHeaders:
                        socket.LingerState = new LingerOption(true, 0);
                        socket.Close();
                        return;
                    case BackendMode.Hang:
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        return;
                    case BackendMode.ResetMidBody:
                        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial"u8.ToArray());
                        await Task.Delay(100);
                        socket.LingerState = new LingerOption(true, 0);
                        socket.Close();
                        return;
                }
                var payload = Encoding.ASCII.GetBytes($"ok {request.Method} {request.Target}");
                var response = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {payload.Length}\r\nx-backend: raw\r\n\r\n");
                await socket.SendAsync(response.Concat(payload).ToArray());
            }
        }
        catch (Exception)
        {
            // connection torn down by the peer or by the test
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task<string?> ReadHeadAsync(Socket socket, List<byte> buffer, byte[] chunk)
    {
        while (true)
        {
            var end = IndexOf(buffer, "\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Encoding.Latin1.GetString(buffer.GetRange(0, end).ToArray());
                buffer.RemoveRange(0, end + 4);
                return head;
            }
            if (!await FillAsync(socket, buffer, chunk))
            {
                return null;
            }
        }
    }

    private async Task<(byte[] Body, bool Complete)> ReadBodyAsync(Socket socket, RecordedRequest request, List<byte> buffer, byte[] chunk)
    {
        if (request.Header("Content-Length") is { } lengthText)
        {
            var length = int.Parse(lengthText);
            while (buffer.Count < length && await FillAsync(socket, buffer, chunk))
            {
            }
            var body = buffer.GetRange(0, Math.Min(length, buffer.Count)).ToArray();
            buffer.RemoveRange(0, body.Length);
            return (body, body.Length == length);
        }
        if (request.Header("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var body = new List<byte>();
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf(buffer, "\r\n"u8)) < 0 && await FillAsync(socket, buffer, chunk))
                {
                }
                if (lineEnd < 0)
                {
                    return ([.. body], false);
                }
                var size = Convert.ToInt32(Encoding.ASCII.GetString(buffer.GetRange(0, lineEnd).ToArray()).Split(';')[0], 16);
                buffer.RemoveRange(0, lineEnd + 2);
                while (buffer.Count < size + 2 && await FillAsync(socket, buffer, chunk))
                {
                }
                if (size == 0)
                {
                    // trailers (none expected) end with an empty line
                    while (IndexOf(buffer, "\r\n"u8) < 0 && await FillAsync(socket, buffer, chunk))
                    {
                    }
                    var trailerEnd = IndexOf(buffer, "\r\n"u8);
                    if (trailerEnd < 0)
                    {
                        return ([.. body], false);
                    }
                    buffer.RemoveRange(0, trailerEnd + 2);
                    return ([.. body], true);
                }
                if (buffer.Count < size + 2)
                {
                    body.AddRange(buffer);
                    return ([.. body], false);
                }
                body.AddRange(buffer.GetRange(0, size));
                buffer.RemoveRange(0, size + 2);
            }
        }
        return ([], true);
    }

    private async Task<bool> FillAsync(Socket socket, List<byte> buffer, byte[] chunk)
    {
        var n = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
        if (n == 0)
        {
            return false;
        }
        Interlocked.Add(ref _bytes, n);
        buffer.AddRange(chunk.AsSpan(0, n));
        return true;
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> needle)
    {
        for (var i = 0; i + needle.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = buffer[i + j] == needle[j];
            }
            if (match)
            {
                return i;
            }
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        foreach (var s in _sockets)
        {
            s.Dispose();
        }
        try
        {
            await _accept;
        }
        catch (Exception)
        {
        }
        _stop.Dispose();
    }
}
