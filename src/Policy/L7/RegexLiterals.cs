namespace CiliumL7.Policy.L7;

/// <summary>
/// Finds the literal parts of a policy regex so rule sets can index them:
/// a pattern that is a plain literal (<c>/v1/request-landing</c>, <c>/a\.b</c>)
/// is matched by a dictionary lookup, and a regex with a literal prefix is only
/// run on targets that start with it.
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
}
