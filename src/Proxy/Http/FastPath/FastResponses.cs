using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace CiliumL7.Proxy.Http.FastPath;

/// <summary>
/// The responses the fast path writes itself, with the same status lines,
/// fields and bodies as the Kestrel path (<see cref="HttpResponses"/>, YARP's 502/504).
/// </summary>
internal static class FastResponses
{
    private static DateBytes? s_date;

    /// <summary>403 Forbidden, <c>content-type: text/plain</c>, <c>Access denied\r\n</c> (no body for a HEAD request).</summary>
    public static void WriteAccessDenied(PipeWriter output, bool close, bool head)
    {
        Write(output, "HTTP/1.1 403 Forbidden\r\nContent-Length: 15\r\nContent-Type: text/plain\r\n"u8, close);
        if (!head)
        {
            output.Write(HttpResponses.AccessDeniedBody.Span);
        }
    }

    /// <summary>An empty 502 Bad Gateway or 504 Gateway Timeout.</summary>
    public static void WriteUpstreamError(PipeWriter output, int status, bool close) =>
        Write(output, status == 504 ? "HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n"u8 : "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"u8, close);

    /// <summary>An empty 400 Bad Request that closes the connection (a head whose framing is refused).</summary>
    public static void WriteBadRequest(PipeWriter output) =>
        Write(output, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"u8, close: true);

    private static void Write(PipeWriter output, ReadOnlySpan<byte> statusAndFields, bool close)
    {
        output.Write(statusAndFields);
        output.Write(CurrentDate());
        if (close)
        {
            output.Write("Connection: close\r\n"u8);
        }
        output.Write("\r\n"u8);
    }

    /// <summary><c>Date: …\r\n</c>, formatted once per second.</summary>
    private static ReadOnlySpan<byte> CurrentDate()
    {
        var now = DateTimeOffset.UtcNow;
        var second = now.ToUnixTimeSeconds();
        var cached = s_date;
        if (cached is null || cached.Second != second)
        {
            cached = new DateBytes(second, Encoding.ASCII.GetBytes("Date: " + now.ToString("r", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"));
            s_date = cached;
        }
        return cached.Bytes;
    }

    private sealed record DateBytes(long Second, byte[] Bytes);
}
