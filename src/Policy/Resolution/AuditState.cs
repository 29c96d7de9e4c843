namespace CiliumL7.Policy.Resolution;

/// <summary>
/// The audit mode of one endpoint's two directions. In an audited direction
/// the entries and L7 rules are those of the audited policies; whatever they
/// would drop or deny is let through and reported with verdict AUDIT, naming
/// <see cref="IngressPolicies"/>/<see cref="EgressPolicies"/>.
/// </summary>
/// <param name="Ingress">Ingress is audited.</param>
/// <param name="Egress">Egress is audited.</param>
/// <param name="IngressPolicies">The audited policies selecting the endpoint for ingress (<c>ns/name</c>, sorted).</param>
/// <param name="EgressPolicies">The same for egress.</param>
public sealed record AuditState(bool Ingress, bool Egress, IReadOnlyList<string> IngressPolicies, IReadOnlyList<string> EgressPolicies)
{
    /// <summary>Nothing audited.</summary>
    public static AuditState None { get; } = new(false, false, [], []);

    /// <inheritdoc />
    public bool Equals(AuditState? other) => other is not null && Ingress == other.Ingress && Egress == other.Egress
        && IngressPolicies.SequenceEqual(other.IngressPolicies) && EgressPolicies.SequenceEqual(other.EgressPolicies);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Ingress, Egress, IngressPolicies.Count, EgressPolicies.Count);
}
