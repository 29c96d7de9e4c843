namespace CiliumL7.Policy.L7;

/// <summary>
/// The DNS rules that apply to one peer on one redirected port: a query whose
/// name matches any rule is allowed; anything else is answered REFUSED.
/// <see cref="AllowAll"/> is the wildcard for a peer whose rule has no L7 rules.
/// </summary>
public sealed class DnsRuleSet
{
    private readonly DnsRule[] _rules;

    /// <summary>Creates a rule set; <paramref name="deciderName"/> names the policy reported for a deny.</summary>
    public DnsRuleSet(IReadOnlyList<DnsRule> rules, string? deciderName)
    {
        _rules = [.. rules];
        DeciderName = deciderName;
    }

    private DnsRuleSet(string? deciderName, bool allowAll)
    {
        _rules = [];
        DeciderName = deciderName;
        IsAllowAll = allowAll;
    }

    /// <summary>The wildcard: every query allowed.</summary>
    public static DnsRuleSet AllowAll { get; } = new(null, allowAll: true);

    /// <summary>A wildcard set attributed to a policy.</summary>
    public static DnsRuleSet AllowAllBy(string? policyName) => new(policyName, allowAll: true);

    /// <summary>True for the wildcard set.</summary>
    public bool IsAllowAll { get; }

    /// <summary>The policy named when nothing matched (or when the wildcard allowed).</summary>
    public string? DeciderName { get; }

    /// <summary>The compiled rules, in policy order.</summary>
    public IReadOnlyList<DnsRule> Rules => _rules;

    /// <summary>Judges one query name (any case, trailing dot optional).</summary>
    public L7Verdict Judge(string qname) => Judge(qname.AsSpan());

    /// <summary>Judges one query name without allocating.</summary>
    public L7Verdict Judge(ReadOnlySpan<char> qname)
    {
        if (IsAllowAll)
        {
            return new L7Verdict(true, DeciderName);
        }
        foreach (var rule in _rules)
        {
            if (rule.Matches(qname))
            {
                return new L7Verdict(true, rule.PolicyName);
            }
        }
        return new L7Verdict(false, DeciderName);
    }

    /// <summary>The first rule matching <paramref name="qname"/>, or null (for traces).</summary>
    public DnsRule? FindMatch(string qname)
    {
        foreach (var rule in _rules)
        {
            if (rule.Matches(qname))
            {
                return rule;
            }
        }
        return null;
    }
}
