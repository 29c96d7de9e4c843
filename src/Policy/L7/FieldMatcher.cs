using System.Text.RegularExpressions;

namespace CiliumL7.Policy.L7;

/// <summary>
/// Full-match test of one HTTP field: a plain literal pattern is compared as a
/// string (no regex built); a case-sensitive pattern with a literal head or foot
/// (<c>/svc1/v1/[a-z]+</c>, <c>/t/[a-z]+/1</c>) compares them and runs the shared
/// regex of its middle on the rest (<see cref="RegexLiterals.TrySplit"/>); anything else runs
/// the anchored, linear-time regex of the whole pattern. Regexes come from
/// <see cref="LinearRegex"/>, one instance per distinct pattern.
/// </summary>
internal sealed class FieldMatcher
{
    private readonly string? _literal;
    private readonly string _head;
    private readonly string _foot;
    private readonly Regex? _regex;
    private readonly StringComparison _comparison;

    private FieldMatcher(string? literal, string head, string foot, Regex? regex, StringComparison comparison)
    {
        _literal = literal;
        _head = head;
        _foot = foot;
        _regex = regex;
        _comparison = comparison;
    }

    /// <summary>Null for "any" (null/empty pattern); throws <see cref="ArgumentException"/> for an unusable regex.</summary>
    public static FieldMatcher? Create(string? pattern, bool ignoreCase)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return null;
        }
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (RegexLiterals.Literal(pattern) is { } literal)
        {
            return new FieldMatcher(literal, "", "", null, comparison);
        }
        // Case-insensitive regex matching follows Unicode case equivalences, which an
        // ordinal comparison of the head would not: only case-sensitive fields are split.
        if (!ignoreCase && RegexLiterals.TrySplit(pattern, out var head, out var middle, out var foot))
        {
            return new FieldMatcher(null, head, foot, HttpRule.CompileAnchored(middle), comparison);
        }
        return new FieldMatcher(null, "", "", HttpRule.CompileAnchored(pattern, ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None), comparison);
    }

    /// <summary>A literal every match ends with, when the pattern was split ("" otherwise).</summary>
    internal string Foot => _foot;

    /// <summary>The compiled regex this matcher runs (null for a literal); shared between matchers.</summary>
    internal Regex? Regex => _regex;

    public bool IsMatch(string value)
    {
        if (_literal is not null)
        {
            return string.Equals(_literal, value, _comparison);
        }
        if (_head.Length == 0 && _foot.Length == 0)
        {
            return _regex!.IsMatch(value);
        }
        return value.Length >= _head.Length + _foot.Length
            && value.StartsWith(_head, StringComparison.Ordinal)
            && value.EndsWith(_foot, StringComparison.Ordinal)
            && _regex!.IsMatch(value.AsSpan(_head.Length, value.Length - _head.Length - _foot.Length));
    }
}
