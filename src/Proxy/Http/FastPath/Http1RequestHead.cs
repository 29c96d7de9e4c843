using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace CiliumL7.Proxy.Http.FastPath;

/// <summary>
/// The head of one HTTP/1.1 request as the fast path parses it: a strict subset of
/// RFC 9112 whose body, if any, has a <c>Content-Length</c>. Anything outside the
/// subset — <c>Transfer-Encoding</c>, a repeated or odd <c>Content-Length</c>, <c>Expect</c>,
/// <c>Upgrade</c>, <c>TE</c>/<c>Trailer</c>, other <c>Connection</c> options than
/// <c>keep-alive</c>/<c>close</c>, HTTP/1.0, obs-fold, bare LF, non-ASCII or control
/// bytes, a line or head near Kestrel's limits — is <see cref="HeadParseStatus.HandOff"/>:
/// Kestrel then parses the same bytes and applies its own rules (400/414/431/…).
/// Reused for every request of a connection; header strings equal to the previous
/// request's are reused instead of allocated again.
/// </summary>
internal sealed class Http1RequestHead : RequestHead
{
    private static readonly SearchValues<byte> TokenBytes = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);
    private static readonly SearchValues<byte> ValueBytes = SearchValues.Create(BuildValueBytes());

    private readonly int _maxLine;
    private readonly int _maxHeadersSize;
    private readonly int _maxHeaderCount;
    private readonly int _maxHead;
    private Field[] _fields = new Field[16];
    private int _count;
    private int _previousCount = -1;
    private bool _sameFields;
    private byte[] _targetBytes = [];
    private string _target = string.Empty;
    private string _method = string.Empty;

    public Http1RequestHead(ProxyOptions options)
    {
        // Conservative against Kestrel's limits (which may count line ends): near a
        // limit the request goes to Kestrel, which answers 414/431 itself.
        _maxLine = Math.Max(16, options.MaxRequestLineSize - 4);
        _maxHeadersSize = Math.Max(16, options.MaxRequestHeadersTotalSize - 4);
        _maxHeaderCount = Math.Max(0, options.MaxRequestHeaderCount - 1);
        _maxHead = _maxLine + _maxHeadersSize + 4;
    }

    public override string Method => _method;

    public override string Protocol => "HTTP/1.1";

    public override string RawTarget => _target;

    public override int HeaderCount => _count;

    public override bool SameFieldsAsPrevious => _sameFields;

    /// <summary>Bytes of the head, request line through the empty line.</summary>
    public int Length { get; private set; }

    /// <summary>The client asked to close the connection after this request (<c>Connection: close</c>).</summary>
    public bool ConnectionClose { get; private set; }

    /// <summary>Bytes of body that follow the head (<c>Content-Length</c>; 0 when absent).</summary>
    public long BodyLength { get; private set; }

    /// <summary>HEAD: the response carries no body whatever its headers say.</summary>
    public bool IsHead { get; private set; }

    /// <summary>GET, HEAD, OPTIONS, TRACE, PUT, DELETE (RFC 9110 §9.2.2): safe to send again on a fresh connection.</summary>
    public bool IsIdempotent => _method is "GET" or "HEAD" or "OPTIONS" or "TRACE" or "PUT" or "DELETE";

    public override StringValues this[string name]
    {
        get
        {
            string? first = null;
            List<string>? more = null;
            for (var i = 0; i < _count; i++)
            {
                if (string.Equals(_fields[i].Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    if (first is null)
                    {
                        first = _fields[i].Value;
                    }
                    else
                    {
                        (more ??= [first]).Add(_fields[i].Value);
                    }
                }
            }
            return more is not null ? new StringValues(more.ToArray()) : first is not null ? new StringValues(first) : StringValues.Empty;
        }
    }

    public override bool CheckHeaders(List<KeyValuePair<string, string>>? flowHeaders, bool redact)
    {
        for (var i = 0; i < _count; i++)
        {
            var value = _fields[i].Value;
            if (!IsValidHeaderValue(value))
            {
                return false;
            }
            AddFlowHeader(flowHeaders, _fields[i].Name, value, redact);
        }
        return true;
    }

    /// <summary>
    /// Writes the request as forwarded upstream into <paramref name="destination"/>:
    /// <c>METHOD canonical-target HTTP/1.1</c>, every field as received except the
    /// hop-by-hop ones (<c>Connection</c>, <c>Keep-Alive</c>, <c>Proxy-Connection</c>),
    /// the empty line. Returns the bytes written, or -1 when it does not fit.
    /// </summary>
    public int WriteUpstreamHead(string pathAndQuery, Span<byte> destination)
    {
        var n = 0;
        if (!Append(destination, ref n, _method) || !Append(destination, ref n, " ") || !Append(destination, ref n, pathAndQuery) || !Append(destination, ref n, " HTTP/1.1\r\n"))
        {
            return -1;
        }
        for (var i = 0; i < _count; i++)
        {
            ref var field = ref _fields[i];
            if (field.HopByHop)
            {
                continue;
            }
            var line = field.Line.AsSpan(0, field.LineLength);
            if (n + line.Length + 2 > destination.Length)
            {
                return -1;
            }
            line.CopyTo(destination[n..]);
            n += line.Length;
            destination[n++] = (byte)'\r';
            destination[n++] = (byte)'\n';
        }
        if (n + 2 > destination.Length)
        {
            return -1;
        }
        destination[n++] = (byte)'\r';
        destination[n++] = (byte)'\n';
        return n;
    }

    /// <summary>Parses the head at the start of <paramref name="buffer"/>.</summary>
    public HeadParseStatus TryParse(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            return TryParseSpan(buffer.FirstSpan);
        }
        // Rare (a head across pipe segments): parse a contiguous copy; fields keep their own copies.
        var length = (int)Math.Min(buffer.Length, _maxHead);
        var linear = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            buffer.Slice(0, length).CopyTo(linear);
            return TryParseSpan(linear.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(linear);
        }
    }

    private HeadParseStatus TryParseSpan(ReadOnlySpan<byte> span)
    {
        var end = span.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            // Worth waiting for only while it still looks like a CRLF-delimited head within the limits.
            return span.Length >= _maxHead || HasBareLineEnd(span) ? HeadParseStatus.HandOff : HeadParseStatus.Incomplete;
        }
        Length = end + 4;
        if (Length > _maxHead)
        {
            return HeadParseStatus.HandOff;
        }
        return Parse(span[..Length]);
    }

    private bool HasRepeatedName()
    {
        for (var i = 1; i < _count; i++)
        {
            var name = _fields[i].Name;
            for (var j = 0; j < i; j++)
            {
                if (string.Equals(_fields[j].Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>A LF without its CR, or a CR followed by anything but LF: Kestrel refuses such a head at once.</summary>
    private static bool HasBareLineEnd(ReadOnlySpan<byte> span)
    {
        var offset = 0;
        int at;
        while ((at = span[offset..].IndexOfAny((byte)'\r', (byte)'\n')) >= 0)
        {
            at += offset;
            if (span[at] == (byte)'\n' ? at == 0 || span[at - 1] != (byte)'\r' : at + 1 < span.Length && span[at + 1] != (byte)'\n')
            {
                return true;
            }
            offset = at + 1;
        }
        return false;
    }

    private HeadParseStatus Parse(ReadOnlySpan<byte> head)
    {
        _sameFields = false;
        var previousCount = _previousCount;
        _previousCount = -1; // unknown until this head parses completely
        var same = true;
        _count = 0;
        ConnectionClose = false;
        BodyLength = 0;
        var lineEnd = head.IndexOf("\r\n"u8);
        if (lineEnd > _maxLine || !ParseRequestLine(head[..lineEnd]))
        {
            return HeadParseStatus.HandOff;
        }
        var rest = head[(lineEnd + 2)..];
        if (rest.Length - 2 > _maxHeadersSize)
        {
            return HeadParseStatus.HandOff;
        }
        var contentLength = false;
        while (true)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            if (lineEnd == 0)
            {
                if (!(same && _count == previousCount) && HasRepeatedName())
                {
                    return HeadParseStatus.HandOff; // Kestrel's path forwards repeated fields joined, as judged (RepeatedFields)
                }
                _sameFields = same && _count == previousCount;
                _previousCount = _count;
                return HeadParseStatus.Complete;
            }
            if (_count >= _maxHeaderCount)
            {
                return HeadParseStatus.HandOff;
            }
            if (_count == _fields.Length)
            {
                Array.Resize(ref _fields, _fields.Length * 2);
            }
            var line = rest[..lineEnd];
            rest = rest[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[..colon].ContainsAnyExcept(TokenBytes))
            {
                return HeadParseStatus.HandOff; // obs-fold, whitespace before ':', empty or bad name
            }
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (value.ContainsAnyExcept(ValueBytes))
            {
                return HeadParseStatus.HandOff; // CTLs, DEL, NUL, bare CR/LF, non-ASCII: Kestrel decides
            }
            ref var field = ref _fields[_count++];
            same &= SetField(ref field, line, colon, value);
            switch (Classify(field.Name))
            {
                case FieldKind.HandOff:
                    return HeadParseStatus.HandOff;
                case FieldKind.ContentLength:
                    if (!value.IsEmpty && value[0] is (byte)'+' or (byte)'-')
                    {
                        return HeadParseStatus.Refused; // Kestrel would read "+0" as 0: refused, not normalized
                    }
                    if (contentLength || value.IsEmpty || value.Length > 15 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                    {
                        return HeadParseStatus.HandOff; // repeated, empty, signed, huge or not a number: Kestrel decides
                    }
                    contentLength = true;
                    BodyLength = long.Parse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case FieldKind.Connection:
                    field.HopByHop = true;
                    if (!ParseConnection(value))
                    {
                        return HeadParseStatus.HandOff;
                    }
                    break;
                case FieldKind.HopByHop:
                    field.HopByHop = true;
                    break;
            }
        }
    }

    private bool ParseRequestLine(ReadOnlySpan<byte> line)
    {
        var sp = line.IndexOf((byte)' ');
        if (sp <= 0 || line[..sp].ContainsAnyExcept(TokenBytes))
        {
            return false;
        }
        var method = line[..sp];
        var rest = line[(sp + 1)..];
        sp = rest.IndexOf((byte)' ');
        if (sp <= 0 || !rest[(sp + 1)..].SequenceEqual("HTTP/1.1"u8))
        {
            return false;
        }
        var target = rest[..sp];
        if (target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E))
        {
            return false;
        }
        _method = KnownMethod(method) ?? Encoding.ASCII.GetString(method);
        IsHead = ReferenceEquals(_method, "HEAD");
        if (!target.SequenceEqual(_targetBytes))
        {
            _targetBytes = target.ToArray();
            _target = Encoding.ASCII.GetString(target);
        }
        return true;
    }

    private bool ParseConnection(ReadOnlySpan<byte> value)
    {
        foreach (var range in value.Split((byte)','))
        {
            var token = value[range].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(token, "close"u8))
            {
                ConnectionClose = true;
            }
            else if (!Ascii.EqualsIgnoreCase(token, "keep-alive"u8) && !token.IsEmpty)
            {
                return false; // other connection options name hop-by-hop fields: Kestrel's path handles them
            }
        }
        return true;
    }

    /// <summary>Fills a field; true when it is the same bytes (and so the same strings) as the previous head's field at this position.</summary>
    private static bool SetField(ref Field field, ReadOnlySpan<byte> line, int colon, ReadOnlySpan<byte> value)
    {
        field.HopByHop = false;
        if (field.Line is not null && field.LineLength == line.Length && line.SequenceEqual(field.Line.AsSpan(0, field.LineLength)))
        {
            return true;
        }
        if (field.Line is null || field.Line.Length < line.Length)
        {
            field.Line = new byte[Math.Max(line.Length, 64)];
        }
        line.CopyTo(field.Line);
        field.LineLength = line.Length;
        field.Name = Encoding.ASCII.GetString(line[..colon]);
        field.Value = Encoding.ASCII.GetString(value);
        return false;
    }

    private static FieldKind Classify(string name) => name.Length switch
    {
        2 when name.Equals("TE", StringComparison.OrdinalIgnoreCase) => FieldKind.HandOff,
        6 when name.Equals("Expect", StringComparison.OrdinalIgnoreCase) => FieldKind.HandOff,
        7 when name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) => FieldKind.HandOff,
        7 when name.Equals("Trailer", StringComparison.OrdinalIgnoreCase) => FieldKind.HandOff,
        10 when name.Equals("Connection", StringComparison.OrdinalIgnoreCase) => FieldKind.Connection,
        10 when name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) => FieldKind.HopByHop,
        13 when name.Equals("HTTP2-Settings", StringComparison.OrdinalIgnoreCase) => FieldKind.HandOff,
        14 when name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) => FieldKind.ContentLength,
        16 when name.Equals("X-Content-Length", StringComparison.OrdinalIgnoreCase) => FieldKind.HandOff,
        16 when name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase) => FieldKind.HopByHop,
        17 when name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) => FieldKind.HandOff,
        _ => FieldKind.Plain,
    };

    private static string? KnownMethod(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("GET"u8) => "GET",
        3 when method.SequenceEqual("PUT"u8) => "PUT",
        4 when method.SequenceEqual("POST"u8) => "POST",
        4 when method.SequenceEqual("HEAD"u8) => "HEAD",
        5 when method.SequenceEqual("PATCH"u8) => "PATCH",
        6 when method.SequenceEqual("DELETE"u8) => "DELETE",
        7 when method.SequenceEqual("OPTIONS"u8) => "OPTIONS",
        7 when method.SequenceEqual("CONNECT"u8) => "CONNECT",
        _ => null,
    };

    private static bool Append(Span<byte> destination, ref int n, string ascii)
    {
        if (n + ascii.Length > destination.Length)
        {
            return false;
        }
        n += Encoding.ASCII.GetBytes(ascii, destination[n..]);
        return true;
    }

    private static byte[] BuildValueBytes()
    {
        var bytes = new byte[1 + 95];
        bytes[0] = (byte)'\t';
        for (var b = 0x20; b <= 0x7E; b++)
        {
            bytes[b - 0x1F] = (byte)b;
        }
        return bytes;
    }

    private enum FieldKind
    {
        Plain,
        ContentLength,
        Connection,
        HopByHop,
        HandOff,
    }

    private struct Field
    {
        public byte[]? Line;
        public int LineLength;
        public string Name;
        public string Value;
        public bool HopByHop;
    }
}
