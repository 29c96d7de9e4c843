namespace CiliumL7.Policy.L7;

/// <summary>
/// The DNS rules that apply to one peer on one redirected port: a query whose
/// name matches any rule is allowed; anything else is answered REFUSED.
/// <see cref="AllowAll"/> is the wildcard for a peer whose rule has no L7 rules.
/// </summary>
public sealed class DnsRuleSet : L7RuleSet<DnsRuleSet, ReadOnlySpan<char>>
{
    private readonly DnsRule[] _rules;

    /// <summary>Creates a rule set; <paramref name="deciderName"/> names the policy reported for a deny.</summary>
    public DnsRuleSet(IReadOnlyList<DnsRule> rules, string? deciderName)
        : base(deciderName, allowAll: false)
    {
        _rules = [.. rules];
    }

    private DnsRuleSet(string? deciderName, bool allowAll)
        : base(deciderName, allowAll)
    {
        _rules = [];
    }

    /// <summary>The wildcard: every query allowed.</summary>
    public static DnsRuleSet AllowAll { get; } = new(null, allowAll: true);

    /// <summary>A wildcard set attributed to a policy.</summary>
    public static DnsRuleSet AllowAllBy(string? policyName) => new(policyName, allowAll: true);

    /// <inheritdoc />
    public override Resolution.L7Parser Parser => Resolution.L7Parser.Dns;

    /// <inheritdoc />
    public override int RuleCount => _rules.Length;

    /// <summary>The compiled rules, in policy order.</summary>
    public IReadOnlyList<DnsRule> Rules => _rules;

    /// <summary>Judges one query name (any case, trailing dot optional).</summary>
    public L7Verdict Judge(string qname) => Judge(qname.AsSpan());

    /// <inheritdoc />
    protected override L7Verdict JudgeRules(ReadOnlySpan<char> qname)
    {
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
