using System.Text;

namespace CiliumL7.Policy.Generation;

/// <summary>
/// Turns an observed HTTP path into a full-match path regex: literal
/// segments are escaped, a segment of digits becomes <c>[0-9]+</c> and a UUID
/// segment becomes <see cref="UuidPattern"/>. A query string, if the request
/// had one, is allowed as <c>(\?.*)?</c> (rules match the target with its query).
/// </summary>
public static class PathGeneralizer
{
    /// <summary>The regex a numeric segment becomes.</summary>
    public const string NumberPattern = "[0-9]+";

    /// <summary>The regex a UUID segment becomes.</summary>
    public const string UuidPattern = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

    /// <summary>The regex a query string becomes.</summary>
    public const string QueryPattern = @"(\?.*)?";

    /// <summary>
    /// Generalises <paramref name="pathAndQuery"/>; <paramref name="generalised"/>
    /// is true when a segment was replaced by a pattern.
    /// </summary>
    public static string Generalise(string pathAndQuery, out bool generalised, out bool hadQuery)
        => Generalise(pathAndQuery, out generalised, out _, out _, out hadQuery);

    /// <summary>As above, telling apart numeric and UUID segments.</summary>
    public static string Generalise(string pathAndQuery, out bool generalised, out bool numbers, out bool uuids, out bool hadQuery)
    {
        var q = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        hadQuery = q >= 0;
        numbers = false;
        uuids = false;
        var sb = new StringBuilder(path.Length + 16);
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
            {
                sb.Append('/');
            }
            var s = segments[i];
            if (IsNumber(s))
            {
                sb.Append(NumberPattern);
                numbers = true;
            }
            else if (IsUuid(s))
            {
                sb.Append(UuidPattern);
                uuids = true;
            }
            else
            {
                AppendEscaped(sb, s);
            }
        }
        generalised = numbers || uuids;
        return sb.ToString();
    }

    /// <summary>True for one or more ASCII digits.</summary>
    public static bool IsNumber(string segment)
    {
        if (segment.Length == 0)
        {
            return false;
        }
        foreach (var c in segment)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True for <c>8-4-4-4-12</c> hexadecimal digits.</summary>
    public static bool IsUuid(string segment)
    {
        if (segment.Length != 36)
        {
            return false;
        }
        for (var i = 0; i < 36; i++)
        {
            var c = segment[i];
            var dash = i is 8 or 13 or 18 or 23;
            if (dash ? c != '-' : !char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Escapes the regex metacharacters of a literal.</summary>
    public static void AppendEscaped(StringBuilder sb, string literal)
    {
        foreach (var c in literal)
        {
            if (c is '.' or '+' or '*' or '?' or '(' or ')' or '[' or ']' or '{' or '}' or '|' or '^' or '$' or '\\')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
    }
}
