using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace CiliumL7.Proxy.Http.FastPath;

/// <summary>
/// Parses an upstream HTTP/1.x response head and rewrites it for the client in
/// one pass: status line as <c>HTTP/1.1</c>, every field except the hop-by-hop
/// ones (<c>Connection</c>, <c>Keep-Alive</c>, <c>Proxy-Connection</c>) and a
/// <c>Content-Length</c> sent with <c>Transfer-Encoding</c>, plus
/// <c>Connection: close</c> when the client connection will close.
/// </summary>
internal struct Http1ResponseHead
{
    // CTLs other than HTAB, and DEL: a bare CR or LF inside a field could split the head for the client.
    private static readonly SearchValues<byte> InvalidFieldBytes = SearchValues.Create(BuildInvalidFieldBytes());

    /// <summary>Longest response head accepted (a longer one is a 502).</summary>
    public const int MaxLength = 12 * 1024;

    /// <summary>Bytes of the upstream head.</summary>
    public int Length;

    /// <summary>The status code.</summary>
    public int StatusCode;

    /// <summary>How the body ends.</summary>
    public ResponseFraming Framing;

    /// <summary>Body length for <see cref="ResponseFraming.Length"/>.</summary>
    public long ContentLength;

    /// <summary><c>Transfer-Encoding</c> was present: a <c>Content-Length</c> next to it is not forwarded (RFC 9112 §6.3).</summary>
    public bool HasTransferEncoding;

    /// <summary>The upstream may keep the connection open after this response (HTTP/1.1 without <c>Connection: close</c>).</summary>
    public bool UpstreamKeepAlive;

    /// <summary>
    /// Finds a whole head at the start of <paramref name="data"/>: 1 = parsed,
    /// 0 = incomplete, -1 = malformed (or longer than <see cref="MaxLength"/>).
    /// </summary>
    public int TryParse(ReadOnlySpan<byte> data, bool requestIsHead)
    {
        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            // A head that ends its lines with a bare LF would never complete: refuse it now.
            return data.Length >= MaxLength || HasBareLineFeed(data) ? -1 : 0;
        }
        Length = end + 4;
        var head = data[..Length];
        var lineEnd = head.IndexOf("\r\n"u8);
        var status = head[..lineEnd];
        // "HTTP/1.x NNN[ reason]"
        if (status.Length < 12 || status.ContainsAny(InvalidFieldBytes) || !status.StartsWith("HTTP/1."u8) || (status[7] != (byte)'0' && status[7] != (byte)'1') || status[8] != (byte)' '
            || !Utf8Parser.TryParse(status.Slice(9, 3), out int code, out var digits) || digits != 3 || code < 100 || code > 999
            || (status.Length > 12 && status[12] != (byte)' '))
        {
            return -1;
        }
        StatusCode = code;
        var keepAlive = status[7] == (byte)'1';
        var contentLength = -1L;
        var transferEncoding = false;
        var chunked = false;
        var rest = head[(lineEnd + 2)..];
        while (true)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            if (lineEnd == 0)
            {
                break;
            }
            var line = rest[..lineEnd];
            rest = rest[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[colon - 1] == (byte)' ' || line[0] == (byte)' ' || line[0] == (byte)'\t' || line.ContainsAny(InvalidFieldBytes))
            {
                return -1; // no name, whitespace before ':', obs-fold
            }
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out var used) || used != value.Length || length < 0 || (contentLength >= 0 && contentLength != length))
                {
                    return -1;
                }
                contentLength = length;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                transferEncoding = true;
                var last = value.LastIndexOf((byte)',');
                chunked = Ascii.EqualsIgnoreCase(value[(last + 1)..].Trim(" \t"u8), "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                if (ContainsToken(value, "close"u8))
                {
                    keepAlive = false;
                }
                else if (status[7] == (byte)'0' && ContainsToken(value, "keep-alive"u8))
                {
                    keepAlive = true;
                }
            }
        }
        if (requestIsHead || code < 200 || code == 204 || code == 304)
        {
            Framing = ResponseFraming.None;
        }
        else if (transferEncoding)
        {
            Framing = chunked ? ResponseFraming.Chunked : ResponseFraming.UntilClose;
        }
        else if (contentLength >= 0)
        {
            Framing = contentLength == 0 ? ResponseFraming.None : ResponseFraming.Length;
        }
        else
        {
            Framing = ResponseFraming.UntilClose;
        }
        ContentLength = contentLength;
        HasTransferEncoding = transferEncoding;
        UpstreamKeepAlive = keepAlive && Framing != ResponseFraming.UntilClose;
        return 1;
    }

    private static bool HasBareLineFeed(ReadOnlySpan<byte> data)
    {
        var at = data.IndexOf((byte)'\n');
        while (at >= 0)
        {
            if (at == 0 || data[at - 1] != (byte)'\r')
            {
                return true;
            }
            var next = data[(at + 1)..].IndexOf((byte)'\n');
            at = next < 0 ? -1 : at + 1 + next;
        }
        return false;
    }

    /// <summary>
    /// Writes the head for the client into <paramref name="destination"/> (at least
    /// <see cref="Length"/> + 19 bytes); returns the bytes written.
    /// </summary>
    public readonly int WriteClientHead(ReadOnlySpan<byte> head, Span<byte> destination, bool close)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        "HTTP/1.1"u8.CopyTo(destination);
        head[8..lineEnd].CopyTo(destination[8..]);
        var n = lineEnd;
        destination[n++] = (byte)'\r';
        destination[n++] = (byte)'\n';
        var rest = head[(lineEnd + 2)..];
        while (true)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            if (lineEnd == 0)
            {
                break;
            }
            var line = rest[..(lineEnd + 2)];
            rest = rest[(lineEnd + 2)..];
            var name = line[..line.IndexOf((byte)':')];
            if (Ascii.EqualsIgnoreCase(name, "Connection"u8) || Ascii.EqualsIgnoreCase(name, "Keep-Alive"u8) || Ascii.EqualsIgnoreCase(name, "Proxy-Connection"u8)
                || (HasTransferEncoding && Ascii.EqualsIgnoreCase(name, "Content-Length"u8)))
            {
                continue;
            }
            line.CopyTo(destination[n..]);
            n += line.Length;
        }
        if (close)
        {
            "Connection: close\r\n"u8.CopyTo(destination[n..]);
            n += 19;
        }
        destination[n++] = (byte)'\r';
        destination[n++] = (byte)'\n';
        return n;
    }

    private static byte[] BuildInvalidFieldBytes()
    {
        var bytes = new List<byte>();
        for (var b = 0; b < 0x20; b++)
        {
            if (b != '\t')
            {
                bytes.Add((byte)b);
            }
        }
        bytes.Add(0x7F);
        return [.. bytes];
    }

    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }
        return false;
    }
}
