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
    /// Splits <paramref name="pattern"/> into a literal head, a regex middle and a literal foot
    /// such that the pattern fully matches <c>s</c> exactly when <c>s</c> starts with the head,
    /// ends with the foot (not overlapping) and what lies between fully matches the middle.
    /// So <c>/svc1/v1/[a-z]+</c> … <c>/svc9999/v1/[a-z]+</c> (or <c>/t/[a-z]+/1</c> …) all
    /// share one compiled regex for <c>[a-z]+</c>. False (no split) unless that is certain:
    /// the middle has no top-level <c>|</c>, no word boundary, no start anchor after a head
    /// and no end anchor before a foot, no <c>(?</c> group but <c>(?:</c> (inline options,
    /// comments), no backreference or <c>\x \u \c \p \P</c> escape, and no nested or
    /// leading-<c>]</c> character class.
    /// </summary>
    public static bool TrySplit(string pattern, out string head, out string middle, out string foot)
    {
        head = "";
        middle = pattern;
        foot = "";

        // :: Step 1: the literal head (a quantified last character belongs to the middle).
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
            sb.Length--;
            i = lastStart;
        }
        if (i >= pattern.Length)
        {
            return false; // all literal: compared as a string
        }

        // :: Step 2: the rest must mean the same on its own; it may end with a literal foot.
        var scan = Scan(pattern, i);
        if (!scan.SelfContained || (sb.Length > 0 && scan.StartAnchor))
        {
            return false;
        }
        var footStart = scan.EndAnchor ? pattern.Length : scan.FootStart;
        if ((sb.Length == 0 && footStart == pattern.Length) || footStart <= i)
        {
            return false;
        }
        head = sb.ToString();
        middle = pattern[i..footStart];
        foot = footStart == pattern.Length ? "" : scan.Foot;
        return true;
    }

    private static bool IsEscapedLiteral(string pattern, int i) =>
        i + 1 < pattern.Length && !char.IsAsciiLetterOrDigit(pattern[i + 1]) && pattern[i + 1] != '_' && pattern[i + 1] > ' ';

    // Walks pattern[start..]: is it self-contained (balanced, no top-level '|', nothing that
    // looks across a cut), does it use anchors, and which run of literal characters ends it.
    private static (bool SelfContained, bool StartAnchor, bool EndAnchor, int FootStart, string Foot) Scan(string pattern, int start)
    {
        var fail = (false, false, false, pattern.Length, "");
        var depth = 0;
        var startAnchor = false;
        var endAnchor = false;
        var runStart = pattern.Length;
        var run = new System.Text.StringBuilder();
        for (var i = start; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && IsEscapedLiteral(pattern, i))
            {
                if (run.Length == 0)
                {
                    runStart = i;
                }
                run.Append(pattern[++i]);
                continue;
            }
            if (!Meta.Contains(c, StringComparison.Ordinal))
            {
                if (run.Length == 0)
                {
                    runStart = i;
                }
                run.Append(c);
                continue;
            }
            run.Clear();
            runStart = pattern.Length;
            switch (c)
            {
                case '\\':
                    if (i + 1 >= pattern.Length || pattern[i + 1] is 'b' or 'B' or 'k' or 'x' or 'u' or 'c' or 'p' or 'P' or (>= '0' and <= '9'))
                    {
                        return fail;
                    }
                    startAnchor |= pattern[i + 1] is 'A' or 'G';
                    endAnchor |= pattern[i + 1] is 'z' or 'Z';
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
                        return fail;
                    }
                    while (i < pattern.Length && pattern[i] != ']')
                    {
                        if (pattern[i] == '[')
                        {
                            return fail;
                        }
                        i += pattern[i] == '\\' ? 2 : 1;
                    }
                    if (i >= pattern.Length)
                    {
                        return fail;
                    }
                    break;
                case '(':
                    if (i + 1 < pattern.Length && pattern[i + 1] == '?' && (i + 2 >= pattern.Length || pattern[i + 2] != ':'))
                    {
                        return fail;
                    }
                    depth++;
                    break;
                case ')':
                    if (--depth < 0)
                    {
                        return fail;
                    }
                    break;
                case '|' when depth == 0:
                    return fail;
                case '^':
                    startAnchor = true;
                    break;
                case '$':
                    endAnchor = true;
                    break;
            }
        }
        return depth == 0 ? (true, startAnchor, endAnchor, runStart, run.ToString()) : fail;
    }
}
