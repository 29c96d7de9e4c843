using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CiliumL7.Proxy.Tests.Support;

/// <summary>Sends crafted bytes and reads what comes back.</summary>
public static class RawHttp
{
    /// <summary>
    /// Sends <paramref name="request"/> and reads until the server closes or goes quiet.
    /// <paramref name="firstByte"/> (default: <paramref name="quiet"/>) bounds the wait for the
    /// first byte: a test that expects an answer gives it a generous bound, so a slow first
    /// response on a loaded machine is not mistaken for silence.
    /// </summary>
    public static async Task<string> SendAsync(IPEndPoint endpoint, string request, TimeSpan? quiet = null, TimeSpan? firstByte = null)
        => Encoding.Latin1.GetString(await SendBytesAsync(endpoint, Encoding.Latin1.GetBytes(request), quiet, firstByte));

    public static async Task<byte[]> SendBytesAsync(IPEndPoint endpoint, byte[] request, TimeSpan? quiet = null, TimeSpan? firstByte = null)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint);
        await socket.SendAsync(request);
        return await ReadAllAsync(socket, quiet ?? TimeSpan.FromMilliseconds(1500), firstByte);
    }

    /// <summary>Reads until EOF, reset, or no byte for <paramref name="quiet"/> (<paramref name="firstByte"/> before the first one).</summary>
    public static async Task<byte[]> ReadAllAsync(Socket socket, TimeSpan quiet, TimeSpan? firstByte = null)
    {
        var result = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            using var cts = new CancellationTokenSource(result.Length == 0 ? firstByte ?? quiet : quiet);
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException)
            {
                break;
            }
            if (n == 0)
            {
                break;
            }
            result.Write(buffer, 0, n);
        }
        return result.ToArray();
    }

    /// <summary>The status codes of every response in <paramref name="raw"/>, in order.</summary>
    public static List<int> StatusCodes(string raw)
    {
        var codes = new List<int>();
        var index = 0;
        while ((index = raw.IndexOf("HTTP/1.1 ", index, StringComparison.Ordinal)) >= 0)
        {
            codes.Add(int.Parse(raw.AsSpan(index + 9, 3)));
            index += 12;
        }
        return codes;
    }
}
