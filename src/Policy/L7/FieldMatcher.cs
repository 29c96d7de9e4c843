using System.Text.RegularExpressions;

namespace CiliumL7.Policy.L7;

/// <summary>
/// Full-match test of one HTTP field: a plain literal pattern is compared as a
/// string (no regex built: NonBacktracking construction is costly), anything
/// else runs the anchored, linear-time regex.
/// </summary>
internal sealed class FieldMatcher
{
    private readonly string? _literal;
    private readonly Regex? _regex;
    private readonly StringComparison _comparison;

    private FieldMatcher(string? literal, Regex? regex, StringComparison comparison)
    {
        _literal = literal;
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
        return RegexLiterals.Literal(pattern) is { } literal
            ? new FieldMatcher(literal, null, comparison)
            : new FieldMatcher(null, HttpRule.CompileAnchored(pattern, ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None), comparison);
    }

    public bool IsMatch(string value) => _literal is not null ? string.Equals(_literal, value, _comparison) : _regex!.IsMatch(value);
}
