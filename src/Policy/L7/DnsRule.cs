using System.Text;
using System.Text.RegularExpressions;

namespace CiliumL7.Policy.L7;

/// <summary>
/// One compiled <c>PortRuleDNS</c> (also used for <c>toFQDNs</c>). Names are
/// compared case-insensitively with the trailing dot ignored. Pattern
/// semantics: <c>*</c> (or <c>*.</c>, <c>**</c>) matches every name; a leading
/// <c>**.</c> matches one or more whole labels (never the apex); any other
/// <c>*</c> matches <c>[-a-zA-Z0-9_]*</c> inside one label.
/// </summary>
public sealed class DnsRule : IL7Rule
{
    /// <inheritdoc />
    public Resolution.L7Parser Parser => Resolution.L7Parser.Dns;

    private readonly string? _name;
    private readonly Regex? _pattern;
    private readonly bool _matchAll;

    /// <summary>Compiles a rule from <c>matchName</c> or <c>matchPattern</c> (exactly one should be set).</summary>
    public DnsRule(string? matchName, string? matchPattern, string policyName, string? rulePath = null)
    {
        PolicyName = policyName;
        RulePath = rulePath;
        MatchName = matchName;
        MatchPattern = matchPattern;
        if (!string.IsNullOrEmpty(matchName))
        {
            _name = Normalize(matchName);
        }
        else if (matchPattern is not null)
        {
            var p = Normalize(matchPattern);
            if (p is "" or "*" or "**")
            {
                _matchAll = true;
            }
            else
            {
                _pattern = LinearRegex.Compile(ToRegex(p), RegexOptions.IgnoreCase);
            }
        }
    }

    /// <summary>The policy this rule came from.</summary>
    public string PolicyName { get; }

    /// <summary>The field path of the rule, when known.</summary>
    public string? RulePath { get; }

    /// <summary><c>matchName</c> as written.</summary>
    public string? MatchName { get; }

    /// <summary><c>matchPattern</c> as written.</summary>
    public string? MatchPattern { get; }

    /// <summary>True when <paramref name="qname"/> (any case, trailing dot optional) matches.</summary>
    public bool Matches(ReadOnlySpan<char> qname)
    {
        if (qname.Length > 0 && qname[^1] == '.')
        {
            qname = qname[..^1];
        }
        if (_matchAll)
        {
            return true;
        }
        if (_name is not null)
        {
            return qname.Equals(_name, StringComparison.OrdinalIgnoreCase);
        }
        return _pattern is not null && _pattern.IsMatch(qname);
    }

    /// <summary>Lower-cases and removes one trailing dot.</summary>
    internal static string Normalize(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        return n.EndsWith('.') ? n[..^1] : n;
    }

    /// <summary>Translates a normalized pattern to an anchored regex.</summary>
    internal static string ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        var rest = pattern;
        if (rest.StartsWith("**.", StringComparison.Ordinal))
        {
            sb.Append(@"(?:[-a-z0-9_]+\.)+");
            rest = rest[3..];
        }
        foreach (var c in rest)
        {
            sb.Append(c switch
            {
                '*' => "[-a-z0-9_]*",
                '.' => @"\.",
                _ => Regex.Escape(c.ToString()),
            });
        }
        return sb.Append(@"\z").ToString();
    }
}
