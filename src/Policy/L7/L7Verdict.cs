namespace CiliumL7.Policy.L7;

/// <summary>The outcome of judging one L7 request against a rule set.</summary>
/// <param name="Allowed">True when some rule allows the request.</param>
/// <param name="PolicyName">
/// The policy that decided (<c>namespace/name</c> of the rule that allowed it,
/// or of a policy that selected the port when nothing matched); null when no
/// named policy applies.
/// </param>
public readonly record struct L7Verdict(bool Allowed, string? PolicyName)
{
    /// <summary>Allowed only because the rules are in audit mode: enforced, <see cref="PolicyName"/> would have denied it.</summary>
    public bool Audited { get; init; }
}
