using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.Enforcement;

/// <summary>
/// The ONE list of rule kinds that parse and validate but are not enforced
/// yet. <c>policy validate</c> warns for each rule of such a kind and
/// <c>policy trace</c> reports what the datapath really does (the traffic is
/// dropped, never "allowed"). When a kind is enforced end to end, delete its
/// entry here: the warnings go away and the trace judges its L7 rules.
/// </summary>
public static class UnenforcedRuleKinds
{
    /// <summary>Every kind not enforced yet.</summary>
    public static IReadOnlyList<UnenforcedRuleKind> All { get; } =
    [
    ];

    /// <summary>The entry for <paramref name="kind"/>, or null when that kind is enforced.</summary>
    public static UnenforcedRuleKind? Find(RuleKind kind)
    {
        foreach (var entry in All)
        {
            if (entry.Kind == kind)
            {
                return entry;
            }
        }
        return null;
    }

    /// <summary>The entry for the rule kind a redirect to <paramref name="parser"/> serves, or null when it is enforced.</summary>
    public static UnenforcedRuleKind? Find(L7Parser parser) => parser switch
    {
        L7Parser.Dns => Find(RuleKind.DnsRules),
        L7Parser.Kafka => Find(RuleKind.KafkaRules),
        L7Parser.Http or L7Parser.None => null,
        _ => throw new ArgumentOutOfRangeException(nameof(parser), parser, "unknown L7 parser"),
    };
}
