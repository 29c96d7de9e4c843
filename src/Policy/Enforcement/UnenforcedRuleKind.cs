namespace CiliumL7.Policy.Enforcement;

/// <summary>One rule kind that validates but is not enforced yet, and what happens to its traffic meanwhile.</summary>
/// <param name="Kind">The rule kind.</param>
/// <param name="Field">How the field is written in a policy, e.g. <c>rules.dns</c>.</param>
/// <param name="Effect">What the datapath and proxy do with the traffic the rule is about (the warning's text).</param>
public sealed record UnenforcedRuleKind(RuleKind Kind, string Field, string Effect);
