namespace CiliumL7.Policy.L7;

/// <summary>
/// Finds the literal parts of a policy regex so rule sets can index them:
/// a pattern that is a plain literal (<c>/v1/request-landing</c>, <c>/a\.b</c>)
/// is matched by a dictionary lookup, and a regex with a literal prefix is only
/// run on targets that start with it. <see cref="TrySplit"/> cuts such a prefix
/// off, so <c>/svc1/v1/[a-z]+</c> … <c>/svc9999/v1/[a-z]+</c> share one compiled
/// regex for <c>[a-z]+</c>.
/// </summary>
internal static class RegexLiterals
{
    private const string Meta = "\\^$.|?*+()[]{}";

    /// <summary>The literal a pattern stands for, or null when it has regex operators.</summary>
    public static string? Literal(string pattern)
    {
        var sb = new System.Text.StringBuilder(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 < pattern.Length && !char.IsAsciiLetterOrDigit(pattern[i + 1]) && pattern[i + 1] != '_' && pattern[i + 1] > ' ')
                {
                    sb.Append(pattern[++i]);
                    continue;
                }
                return null;
            }
            if (Meta.Contains(c, StringComparison.Ordinal))
            {
                return null;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>A literal every match must start with ("" when none is known).</summary>
    public static string Prefix(string pattern)
    {
        if (pattern.Contains('|', StringComparison.Ordinal))
        {
            return "";
        }
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length && !char.IsAsciiLetterOrDigit(pattern[i + 1]) && pattern[i + 1] != '_' && pattern[i + 1] > ' ')
            {
                sb.Append(pattern[++i]);
                continue;
            }
            if (Meta.Contains(c, StringComparison.Ordinal))
            {
                // A quantifier makes the previous character optional.
                if (c is '?' or '*' or '{' && sb.Length > 0)
                {
                    sb.Length--;
                }
                break;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Splits <paramref name="pattern"/> into a literal head and a regex tail such that
    /// the pattern fully matches <c>s</c> exactly when <c>s</c> starts with the head and the
    /// rest of <c>s</c> fully matches the tail. False (no split) unless that is certain:
    /// the tail must not look behind the cut (<c>^</c>, <c>\b</c>, <c>\B</c>, <c>\A</c>, <c>\G</c>),
    /// must have no top-level <c>|</c>, and may use no <c>(?</c> group other than <c>(?:</c>
    /// (inline options, comments) nor nested or leading-<c>]</c> character classes.
    /// </summary>
    public static bool TrySplit(string pattern, out string head, out string tail)
    {
        head = "";
        tail = pattern;
        var sb = new System.Text.StringBuilder();
        var i = 0;
        var lastStart = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '\\' && IsEscapedLiteral(pattern, i))
            {
                lastStart = i;
                sb.Append(pattern[i + 1]);
                i += 2;
                continue;
            }
            if (Meta.Contains(c, StringComparison.Ordinal))
            {
                break;
            }
            lastStart = i;
            sb.Append(c);
            i++;
        }
        if (i < pattern.Length && pattern[i] is '?' or '*' or '+' or '{' && sb.Length > 0)
        {
            // The quantifier applies to the last literal character: it belongs to the tail.
            sb.Length--;
            i = lastStart;
        }
        if (sb.Length == 0 || i >= pattern.Length || !IsSelfContained(pattern, i))
        {
            return false;
        }
        head = sb.ToString();
        tail = pattern[i..];
        return true;
    }

    private static bool IsEscapedLiteral(string pattern, int i) =>
        i + 1 < pattern.Length && !char.IsAsciiLetterOrDigit(pattern[i + 1]) && pattern[i + 1] != '_' && pattern[i + 1] > ' ';

    // True when pattern[start..] means the same on its own as it does after a literal head.
    private static bool IsSelfContained(string pattern, int start)
    {
        var depth = 0;
        for (var i = start; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    if (i + 1 >= pattern.Length || pattern[i + 1] is 'b' or 'B' or 'A' or 'G' or 'k' or (>= '0' and <= '9'))
                    {
                        return false;
                    }
                    i++;
                    break;
                case '[':
                    i++;
                    if (i < pattern.Length && pattern[i] == '^')
                    {
                        i++;
                    }
                    if (i < pattern.Length && pattern[i] == ']')
                    {
                        return false;
                    }
                    while (i < pattern.Length && pattern[i] != ']')
                    {
                        if (pattern[i] == '[')
                        {
                            return false;
                        }
                        i += pattern[i] == '\\' ? 2 : 1;
                    }
                    if (i >= pattern.Length)
                    {
                        return false;
                    }
                    break;
                case '(':
                    if (i + 1 < pattern.Length && pattern[i + 1] == '?' && (i + 2 >= pattern.Length || pattern[i + 2] != ':'))
                    {
                        return false;
                    }
                    depth++;
                    break;
                case ')':
                    if (--depth < 0)
                    {
                        return false;
                    }
                    break;
                case '|' when depth == 0:
                case '^':
                    return false;
            }
        }
        return depth == 0;
    }
}
