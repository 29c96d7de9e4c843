namespace CiliumL7.Proxy.Http;

/// <summary>
/// Canonical host: lower-case, no port, no trailing dot; IPv6 literals keep their
/// brackets. Only <c>[A-Za-z0-9._~-]</c> names and bracketed IPv6 literals are valid.
/// </summary>
internal static class HostNormalizer
{
    /// <summary>Normalizes a Host header value or absolute-form authority; false when invalid.</summary>
    public static bool TryNormalize(string value, out string host)
    {
        host = string.Empty;
        if (value.Length == 0)
        {
            return true;
        }
        var span = value.AsSpan();
        int nameEnd;
        if (span[0] == '[')
        {
            nameEnd = span.IndexOf(']') + 1;
            if (nameEnd <= 2 || !IsIpv6Literal(span[1..(nameEnd - 1)]))
            {
                return false;
            }
        }
        else
        {
            nameEnd = span.IndexOf(':');
            if (nameEnd < 0)
            {
                nameEnd = span.Length;
            }
            if (nameEnd == 0)
            {
                return false;
            }
            foreach (var c in span[..nameEnd])
            {
                if (!IsNameChar(c))
                {
                    return false;
                }
            }
        }
        if (nameEnd < span.Length)
        {
            if (span[nameEnd] != ':' || !IsPort(span[(nameEnd + 1)..]))
            {
                return false;
            }
        }
        var name = span[..nameEnd];
        if (name[^1] == '.' && name[0] != '[')
        {
            name = name[..^1];
            if (name.Length == 0 || name[^1] == '.')
            {
                return false;
            }
        }
        if (name.Length == value.Length && !name.ContainsAnyInRange('A', 'Z'))
        {
            host = value;
            return true;
        }
        host = string.Create(name.Length, name, static (dest, src) => src.ToLowerInvariant(dest));
        return true;
    }

    private static bool IsNameChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '~';

    private static bool IsIpv6Literal(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigit(c) && c is not ':' and not '.')
            {
                return false;
            }
        }
        return s.Contains(':');
    }

    private static bool IsPort(ReadOnlySpan<char> s)
    {
        if (s.Length > 5)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
