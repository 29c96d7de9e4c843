using CiliumL7.Policy.Api;

namespace CiliumL7.Policy.Enforcement;

/// <summary>Finds the rules of a resource whose kind is in <see cref="UnenforcedRuleKinds"/> (warnings, not errors).</summary>
public static class UnenforcedRuleWarnings
{
    /// <summary>One line per such rule: <c>file:line: Kind ns/name: spec.egress[0].toPorts[0].rules.dns: WARNING: …</c>.</summary>
    public static List<string> Find(PolicyResource resource)
    {
        var warnings = new List<string>();
        foreach (var rule in resource.Rules)
        {
            Directions(resource, rule.Path + ".ingress", rule.Ingress?.Select(i => (i.ToPorts, (IReadOnlyList<FqdnSelector>?)null)).ToList(), warnings);
            Directions(resource, rule.Path + ".egress", rule.Egress?.Select(e => (e.ToPorts, e.ToFqdns)).ToList(), warnings);
        }
        return warnings;
    }

    private static void Directions(PolicyResource resource, string path, List<(IReadOnlyList<PortRule>? ToPorts, IReadOnlyList<FqdnSelector>? Fqdns)>? rules, List<string> warnings)
    {
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            var (toPorts, fqdns) = rules![i];
            if (fqdns is not null)
            {
                Add(resource, $"{path}[{i}].toFQDNs", RuleKind.ToFqdns, warnings);
            }
            for (var p = 0; p < (toPorts?.Count ?? 0); p++)
            {
                var l7 = toPorts![p].Rules;
                if (l7?.Dns is not null)
                {
                    Add(resource, $"{path}[{i}].toPorts[{p}].rules.dns", RuleKind.DnsRules, warnings);
                }
                if (l7?.Kafka is not null)
                {
                    Add(resource, $"{path}[{i}].toPorts[{p}].rules.kafka", RuleKind.KafkaRules, warnings);
                }
            }
        }
    }

    private static void Add(PolicyResource resource, string fieldPath, RuleKind kind, List<string> warnings)
    {
        if (UnenforcedRuleKinds.Find(kind) is { } entry)
        {
            warnings.Add($"{resource.Source}:{resource.Line}: {resource.Kind} {resource.QualifiedName}: {fieldPath}: WARNING: {entry.Effect}.");
        }
    }
}
