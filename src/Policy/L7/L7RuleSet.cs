using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.L7;

/// <summary>
/// The L7 rules that apply to one peer on one redirected port, for one protocol
/// (<see cref="HttpRuleSet"/>, <see cref="DnsRuleSet"/>, <see cref="KafkaRuleSet"/>).
/// Every set has the same shape: the rules OR together and a request matching
/// none is denied; <see cref="IsAllowAll"/> is the wildcard a peer gets when its
/// rule names no L7 rules on that port; <see cref="DeciderName"/> names the
/// policy reported when nothing matched; <see cref="AndThen(L7RuleSet)"/> chains
/// a second set that must allow too (egress to a local endpoint whose ingress
/// redirects the same port). Immutable; shared between every connection that
/// reads the same policy snapshot. Judging is typed per protocol
/// (<see cref="L7RuleSet{TSelf, TRequest}.Judge"/>).
/// </summary>
public abstract class L7RuleSet
{
    /// <summary>Creates a set (for the protocol subclasses).</summary>
    private protected L7RuleSet(string? deciderName, bool allowAll)
    {
        DeciderName = deciderName;
        IsAllowAll = allowAll;
    }

    /// <summary>The protocol the set judges.</summary>
    public abstract L7Parser Parser { get; }

    /// <summary>True for the wildcard set (every request allowed).</summary>
    public bool IsAllowAll { get; }

    /// <summary>The policy named when nothing matched (or when the wildcard allowed).</summary>
    public string? DeciderName { get; }

    /// <summary>How many compiled rules the set holds (0 for the wildcard).</summary>
    public abstract int RuleCount { get; }

    /// <summary>The set that must allow a request after this one; null for none.</summary>
    public abstract L7RuleSet? NextSet { get; }

    /// <summary>
    /// A set that allows what both this set and <paramref name="next"/> allow, judged in
    /// that order (a deny names the policy of the set that denied). Both must be of the
    /// same protocol; a mismatch is a bug and throws (never an allow).
    /// </summary>
    public abstract L7RuleSet AndThen(L7RuleSet next);

    /// <summary>
    /// Builds the set of <paramref name="parser"/> from compiled rules. Rules of another
    /// protocol are not part of it (a port has one parser; a foreign rule can only narrow).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parser"/> is not an L7 protocol.</exception>
    public static L7RuleSet Create(L7Parser parser, IReadOnlyList<IL7Rule> rules, string? deciderName) => parser switch
    {
        L7Parser.Http => new HttpRuleSet(OfParser<HttpRule>(rules), deciderName),
        L7Parser.Dns => new DnsRuleSet(OfParser<DnsRule>(rules), deciderName),
        L7Parser.Kafka => new KafkaRuleSet(OfParser<KafkaRule>(rules), deciderName),
        _ => throw new ArgumentOutOfRangeException(nameof(parser), parser, "no L7 rule set for this parser"),
    };

    /// <summary>The wildcard set of <paramref name="parser"/>, attributed to <paramref name="policyName"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parser"/> is not an L7 protocol.</exception>
    public static L7RuleSet AllowAllOf(L7Parser parser, string? policyName) => parser switch
    {
        L7Parser.Http => HttpRuleSet.AllowAllBy(policyName),
        L7Parser.Dns => DnsRuleSet.AllowAllBy(policyName),
        L7Parser.Kafka => KafkaRuleSet.AllowAllBy(policyName),
        _ => throw new ArgumentOutOfRangeException(nameof(parser), parser, "no L7 rule set for this parser"),
    };

    /// <summary>The set that denies everything of <paramref name="parser"/> (a local destination with no rules for the peer).</summary>
    public static L7RuleSet DenyAllOf(L7Parser parser) => Create(parser, [], null);

    private static List<TRule> OfParser<TRule>(IReadOnlyList<IL7Rule> rules)
        where TRule : class, IL7Rule
    {
        var list = new List<TRule>(rules.Count);
        foreach (var rule in rules)
        {
            if (rule is TRule typed)
            {
                list.Add(typed);
            }
        }
        return list;
    }
}
