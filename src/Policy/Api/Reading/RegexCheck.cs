using System.Text.RegularExpressions;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>
/// Checks that a policy regex compiles for the linear-time engine the proxy
/// uses (<see cref="RegexOptions.NonBacktracking"/>, anchored full match).
/// </summary>
internal static class RegexCheck
{
    /// <summary>
    /// Null when <paramref name="pattern"/> is usable; else the reason, phrased to follow the quoted value.
    /// The check compiles exactly what the proxy will match with (shared, so the proxy's rules reuse it);
    /// <paramref name="ignoreCase"/> is true for <c>host</c>.
    /// </summary>
    public static string? Explain(string pattern, bool ignoreCase = false)
    {
        if (pattern.Length > Limits.InputLimits.MaxRegexChars)
        {
            return $"is {pattern.Length} characters long; a policy regex is at most {Limits.InputLimits.MaxRegexChars}: split it into several rules or match a shorter prefix.";
        }
        if (L7.RegexLiterals.Literal(pattern) is not null)
        {
            return null; // a plain literal: matched as a string
        }
        if (!ignoreCase && L7.RegexLiterals.TrySplit(pattern, out _, out _, out _) && SplitCompiles(pattern))
        {
            // A literal head and foot around a self-contained (balanced) middle that compiles: the whole
            // pattern is valid, and the middle's regex is the shared one the proxy runs. No regex is built
            // per pattern (/svc1/v1/[a-z]+ ... /svc10000/v1/[a-z]+ all check against one [a-z]+).
            return null;
        }
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant);
        }
        catch (RegexParseException ex)
        {
            return "is not a valid regular expression (" + Describe(ex) + ").";
        }
        try
        {
            _ = L7.FieldMatcher.Create(pattern, ignoreCase);
        }
        catch (NotSupportedException ex) when (ex.Message.Contains("larger than the configured limit", StringComparison.Ordinal))
        {
            // "... could result in an automata as large as '5000005' nodes, which is larger than the configured limit of '10000'."
            var numbers = Regex.Matches(ex.Message, "'([0-9]+)'");
            var size = numbers.Count == 2 ? $" (it would need {numbers[0].Groups[1].Value} states; the limit is {numbers[1].Groups[1].Value})" : "";
            return "is too large for the linear-time (RE2-like) regex engine" + size + "; use smaller counted repetitions such as {n} or split it into several rules.";
        }
        catch (NotSupportedException ex)
        {
            var construct = ex.Message;
            var at = construct.IndexOf("containing: ", StringComparison.Ordinal);
            construct = at >= 0 ? construct[(at + 12)..].Trim().TrimEnd('.').Trim('\'') : "an unsupported construct";
            return "uses " + construct + ", which a linear-time (RE2-like) regex engine cannot run; rewrite it without backreferences, lookarounds, atomic groups or conditionals.";
        }
        catch (ArgumentException ex)
        {
            return "is not a valid regular expression when anchored as ^(?:...)$ (" + ex.Message + ").";
        }
        return null;
    }

    // The split matcher compiles; on any failure the full check below explains it.
    private static bool SplitCompiles(string pattern)
    {
        try
        {
            _ = L7.FieldMatcher.Create(pattern, ignoreCase: false);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    private static string Describe(RegexParseException ex) => ex.Error switch
    {
        RegexParseError.InsufficientClosingParentheses => "missing ')'",
        RegexParseError.InsufficientOpeningParentheses => "unmatched ')'",
        RegexParseError.UnterminatedBracket => "missing ']'",
        RegexParseError.QuantifierAfterNothing => "a quantifier such as '*', '+' or '?' follows nothing; escape it as \\*",
        RegexParseError.NestedQuantifiersNotParenthesized => "nested quantifier; wrap the inner part in (...)",
        RegexParseError.UnescapedEndingBackslash => "trailing backslash",
        RegexParseError.ReversedCharacterRange => "reversed character range",
        RegexParseError.ReversedQuantifierRange => "reversed quantifier range",
        RegexParseError.UnrecognizedEscape => "unrecognized escape sequence at offset " + ex.Offset,
        RegexParseError.InvalidGroupingConstruct => "invalid (? group construct",
        RegexParseError.UndefinedNumberedReference or RegexParseError.UndefinedNamedReference => "reference to an undefined group",
        _ => System.Text.RegularExpressions.Regex.Replace(ex.Error.ToString(), "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant() + " at offset " + ex.Offset,
    };
}
