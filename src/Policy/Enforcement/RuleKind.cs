namespace CiliumL7.Policy.Enforcement;

/// <summary>A kind of rule whose enforcement is implemented separately (see <see cref="UnenforcedRuleKinds"/>).</summary>
public enum RuleKind
{
    /// <summary><c>toPorts[].rules.dns</c> (the DNS proxy).</summary>
    DnsRules,

    /// <summary><c>toPorts[].rules.kafka</c> (the Kafka proxy).</summary>
    KafkaRules,

    /// <summary><c>egress[].toFQDNs</c> (names learned from allowed DNS answers).</summary>
    ToFqdns,
}
