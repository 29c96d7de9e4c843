using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.L7;

/// <summary>
/// One compiled L7 rule of any protocol (<see cref="HttpRule"/>, <see cref="DnsRule"/>,
/// <see cref="KafkaRule"/>): what resolution carries from a policy to the
/// <see cref="L7RuleSet"/> of a peer and port.
/// </summary>
public interface IL7Rule
{
    /// <summary>The protocol the rule is written for.</summary>
    L7Parser Parser { get; }

    /// <summary>The policy (<c>namespace/name</c>) the rule came from.</summary>
    string PolicyName { get; }

    /// <summary>The field path of the rule, when known.</summary>
    string? RulePath { get; }
}
