using System.Buffers;
using System.Text.Unicode;

namespace CiliumL7.Proxy.Http;

/// <summary>
/// Turns a raw request target into the one canonical origin-form string that is
/// both judged and forwarded, or names why it cannot be made unambiguous.
/// The canonical form is written down in <c>README.md</c> next to this file.
/// </summary>
internal static class RequestCanonicalizer
{
    private const int StackLimit = 512;

    /// <summary>
    /// Canonicalizes <paramref name="rawTarget"/>. <paramref name="canonicalHost"/>
    /// is the already-normalized Host header and <paramref name="rawHost"/> the header as
    /// received (both compared with an absolute-form authority: name and port).
    /// Allocates only when the target changes.
    /// </summary>
    public static CanonicalizeError CanonicalizeTarget(string rawTarget, string canonicalHost, string rawHost, out string pathAndQuery)
    {
        pathAndQuery = string.Empty;
        if (rawTarget.Length == 0)
        {
            return CanonicalizeError.UnsupportedTargetForm;
        }
        var start = 0;
        if (rawTarget[0] != '/')
        {
            var error = SplitAbsoluteForm(rawTarget, canonicalHost, rawHost, out start);
            if (error != CanonicalizeError.None)
            {
                return error;
            }
            if (start == rawTarget.Length || rawTarget[start] == '?')
            {
                // "http://h" and "http://h?q" have the path "/".
                return Rewrite(string.Concat("/", rawTarget.AsSpan(start)), out pathAndQuery);
            }
        }
        return Rewrite(start == 0 ? rawTarget : rawTarget[start..], out pathAndQuery);
    }

    private static CanonicalizeError SplitAbsoluteForm(string target, string canonicalHost, string rawHost, out int pathStart)
    {
        pathStart = 0;
        int schemeEnd;
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            schemeEnd = 7;
        }
        else if (target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            schemeEnd = 8;
        }
        else
        {
            return CanonicalizeError.UnsupportedTargetForm; // authority-form (CONNECT), asterisk-form, garbage
        }
        var rest = target.AsSpan(schemeEnd);
        var authorityLength = rest.IndexOfAny('/', '?', '#');
        if (authorityLength < 0)
        {
            authorityLength = rest.Length;
        }
        var authority = target.Substring(schemeEnd, authorityLength);
        if (authority.Contains('@', StringComparison.Ordinal) || !HostNormalizer.TryNormalize(authority, out var host) || host.Length == 0)
        {
            return CanonicalizeError.InvalidHost;
        }
        var defaultPort = schemeEnd == 8 ? 443 : 80;
        if (!string.Equals(host, canonicalHost, StringComparison.Ordinal) || PortOf(authority, defaultPort) != PortOf(rawHost, defaultPort))
        {
            return CanonicalizeError.HostMismatch;
        }
        pathStart = schemeEnd + authorityLength;
        return CanonicalizeError.None;
    }

    /// <summary>The port of a (validated) authority, or <paramref name="defaultPort"/> when it names none.</summary>
    private static int PortOf(string authority, int defaultPort)
    {
        var span = authority.AsSpan();
        var nameEnd = span.Length > 0 && span[0] == '[' ? span.IndexOf(']') + 1 : span.IndexOf(':');
        if (nameEnd < 0 || nameEnd >= span.Length || span[nameEnd] != ':' || nameEnd + 1 == span.Length)
        {
            return defaultPort;
        }
        return int.Parse(span[(nameEnd + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Validates and rewrites an origin-form target (starts with '/').</summary>
    private static CanonicalizeError Rewrite(string target, out string canonical)
    {
        canonical = target;
        char[]? rented = null;
        var buffer = target.Length <= StackLimit
            ? stackalloc char[StackLimit]
            : (rented = ArrayPool<char>.Shared.Rent(target.Length));
        try
        {
            var error = Scan(target, buffer, out var written, out var changed);
            if (error == CanonicalizeError.None && changed)
            {
                canonical = new string(buffer[..written]);
            }
            return error;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static CanonicalizeError Scan(ReadOnlySpan<char> t, Span<char> output, out int written, out bool changed)
    {
        written = 0;
        changed = false;
        var inQuery = false;
        var segmentStart = 1;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < t.Length;)
        {
            var c = t[i];
            if (c == '%')
            {
                if (i + 2 >= t.Length || !TryHex(t[i + 1], t[i + 2], out var b))
                {
                    return CanonicalizeError.BadPercentEncoding;
                }
                if (b == 0)
                {
                    return CanonicalizeError.EncodedNul;
                }
                if (b >= 0x80)
                {
                    var error = CopyUtf8Escapes(t, ref i, output, ref written, ref changed, utf8);
                    if (error != CanonicalizeError.None)
                    {
                        return error;
                    }
                    continue;
                }
                if (!inQuery && (b is (byte)'/' or (byte)'\\' or (byte)'.'))
                {
                    return CanonicalizeError.EncodedSeparator;
                }
                if (!inQuery && (b < 0x20 || b == 0x7F))
                {
                    return CanonicalizeError.EncodedControl;
                }
                if (!inQuery && b == (byte)'%' && i + 4 < t.Length && TryHex(t[i + 3], t[i + 4], out _))
                {
                    return CanonicalizeError.DoubleEncoding; // "%252e": one more decode by the backend would change the path
                }
                if (IsUnreserved((char)b))
                {
                    output[written++] = (char)b;
                    changed = true;
                }
                else
                {
                    WriteEscape(output, ref written, b, t[i + 1], t[i + 2], ref changed);
                }
                i += 3;
                continue;
            }
            switch (c)
            {
                case '#':
                    return CanonicalizeError.Fragment;
                case '\\':
                    return CanonicalizeError.Backslash;
                case ';' when !inQuery:
                    return CanonicalizeError.PathParameter;
                case '/' when !inQuery:
                    if (i > 0)
                    {
                        var segmentError = CheckSegment(t[segmentStart..i], last: false);
                        if (segmentError != CanonicalizeError.None)
                        {
                            return segmentError;
                        }
                    }
                    segmentStart = i + 1;
                    break;
                case '?' when !inQuery:
                    {
                        var segmentError = CheckSegment(t[segmentStart..i], last: true);
                        if (segmentError != CanonicalizeError.None)
                        {
                            return segmentError;
                        }
                        inQuery = true;
                        break;
                    }
                default:
                    if (!IsPchar(c) && !(inQuery && c is '/' or '?'))
                    {
                        return CanonicalizeError.InvalidCharacter;
                    }
                    break;
            }
            output[written++] = c;
            i++;
        }
        return inQuery ? CanonicalizeError.None : CheckSegment(t[segmentStart..], last: true);
    }

    private static CanonicalizeError CopyUtf8Escapes(ReadOnlySpan<char> t, ref int i, Span<char> output, ref int written, ref bool changed, Span<byte> utf8)
    {
        TryHex(t[i + 1], t[i + 2], out var lead);
        var length = lead switch
        {
            >= 0xC2 and <= 0xDF => 2,
            >= 0xE0 and <= 0xEF => 3,
            >= 0xF0 and <= 0xF4 => 4,
            _ => 0,
        };
        if (length == 0)
        {
            return CanonicalizeError.InvalidUtf8;
        }
        for (var k = 0; k < length; k++)
        {
            var p = i + (3 * k);
            if (p + 2 >= t.Length || t[p] != '%' || !TryHex(t[p + 1], t[p + 2], out utf8[k]))
            {
                return CanonicalizeError.InvalidUtf8;
            }
        }
        if (!Utf8.IsValid(utf8[..length]))
        {
            return CanonicalizeError.InvalidUtf8; // overlong forms, surrogates, > U+10FFFF
        }
        for (var k = 0; k < length; k++)
        {
            var p = i + (3 * k);
            WriteEscape(output, ref written, utf8[k], t[p + 1], t[p + 2], ref changed);
        }
        i += 3 * length;
        return CanonicalizeError.None;
    }

    private static CanonicalizeError CheckSegment(ReadOnlySpan<char> segment, bool last)
    {
        if (segment.Length == 0)
        {
            return last ? CanonicalizeError.None : CanonicalizeError.EmptySegment;
        }
        if (segment is "." or "..")
        {
            return CanonicalizeError.DotSegment;
        }
        return CanonicalizeError.None;
    }

    private static void WriteEscape(Span<char> output, ref int written, byte b, char h1, char h2, ref bool changed)
    {
        var u1 = HexUpper(b >> 4);
        var u2 = HexUpper(b & 0xF);
        changed |= u1 != h1 || u2 != h2;
        output[written++] = '%';
        output[written++] = u1;
        output[written++] = u2;
    }

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static bool TryHex(char h1, char h2, out byte value)
    {
        var a = HexValue(h1);
        var b = HexValue(h2);
        value = (byte)((a << 4) | b);
        return a >= 0 && b >= 0;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".</summary>
    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    /// <summary>RFC 3986 pchar without pct-encoded: unreserved / sub-delims / ":" / "@" (';' handled by the caller).</summary>
    private static bool IsPchar(char c) =>
        IsUnreserved(c) || c is '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@';
}
