using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CiliumL7.Connectivity.Deployment;

/// <summary>
/// The test pods' and the world host's server: plain HTTP/1.1 on each port, answering every
/// request <c>200 OK</c> with a JSON echo of the server name, method, path and Host header,
/// then closing the connection. Bounded: 16 KiB of headers, 1 MiB of body, 10 s per connection.
/// </summary>
public static class EchoServer
{
    private const int MaxHeader = 16 * 1024;
    private const int MaxBody = 1024 * 1024;

    /// <summary>Serves until <paramref name="ct"/> is cancelled.</summary>
    public static async Task RunAsync(string name, IReadOnlyList<int> ports, CancellationToken ct)
    {
        var listeners = ports.Select(p => new TcpListener(IPAddress.Any, p)).ToList();
        foreach (var l in listeners)
        {
            l.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            l.Start(512);
        }
        try
        {
            await Task.WhenAll(listeners.Select(l => AcceptLoopAsync(l, name, ct))).ConfigureAwait(false);
        }
        finally
        {
            foreach (var l in listeners)
            {
                l.Stop();
            }
        }
    }

    private static async Task AcceptLoopAsync(TcpListener listener, string name, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(socket, name, ct), CancellationToken.None);
        }
    }

    private static async Task ServeAsync(Socket socket, string name, CancellationToken ct)
    {
        using var owned = socket;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var buffer = new byte[MaxHeader];
            var filled = 0;
            var headerEnd = -1;
            while (headerEnd < 0)
            {
                if (filled == buffer.Length)
                {
                    await WriteAsync(stream, 431, "{\"error\":\"request header too large\"}", timeout.Token).ConfigureAwait(false);
                    return;
                }
                var n = await stream.ReadAsync(buffer.AsMemory(filled), timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }
                filled += n;
                headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            }
            var head = Encoding.ASCII.GetString(buffer, 0, headerEnd);
            var lines = head.Split("\r\n");
            var requestLine = lines[0].Split(' ');
            var method = requestLine.Length > 0 ? requestLine[0] : "";
            var path = requestLine.Length > 1 ? requestLine[1] : "";
            var host = "";
            long contentLength = 0;
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    continue;
                }
                var key = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (key.Equals("Host", StringComparison.OrdinalIgnoreCase))
                {
                    host = value;
                }
                else if (key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    _ = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out contentLength);
                }
            }
            // Drain the body (bounded) so the client sees a clean close.
            var remaining = Math.Min(contentLength, MaxBody) - (filled - headerEnd - 4);
            while (remaining > 0)
            {
                var n = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                remaining -= n;
            }
            var body = $"{{\"server\":\"{Escape(name)}\",\"method\":\"{Escape(method)}\",\"path\":\"{Escape(path)}\",\"host\":\"{Escape(host)}\"}}\n";
            await WriteAsync(stream, 200, body, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
        }
    }

    private static async Task WriteAsync(Stream stream, int code, string body, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var reason = code == 200 ? "OK" : "Request Header Fields Too Large";
        var head = $"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct).ConfigureAwait(false);
        await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    private static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                < ' ' => sb.Append(' '),
                _ => sb.Append(c),
            };
        }
        return sb.ToString();
    }
}
