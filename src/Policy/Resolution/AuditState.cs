namespace CiliumL7.Policy.Resolution;

/// <summary>
/// The audit mode of one endpoint's two directions.
/// <list type="bullet">
/// <item>In an audited direction (<see cref="Ingress"/>/<see cref="Egress"/>) the entries
/// and L7 rules are those of the audited policies; whatever they would drop or deny is
/// let through and reported with verdict AUDIT.</item>
/// <item>With audited policies beside enforcing ones (<see cref="IngressBeside"/>/<see cref="EgressBeside"/>)
/// the enforcing policies decide alone (deny wins); what they let through is judged by the
/// audited policies too (<see cref="EndpointPolicy.AuditEntries"/>, <see cref="EndpointPolicy.GetAuditRules"/>),
/// and what those would drop or deny is reported with verdict AUDIT.</item>
/// </list>
/// Either way the AUDIT flows name <see cref="IngressPolicies"/>/<see cref="EgressPolicies"/>
/// (or the audited policy whose deny rule matched).
/// </summary>
/// <param name="Ingress">Ingress is audited.</param>
/// <param name="Egress">Egress is audited.</param>
/// <param name="IngressPolicies">The audited policies selecting the endpoint for ingress (<c>ns/name</c>, sorted).</param>
/// <param name="EgressPolicies">The same for egress.</param>
public sealed record AuditState(bool Ingress, bool Egress, IReadOnlyList<string> IngressPolicies, IReadOnlyList<string> EgressPolicies)
{
    /// <summary>Nothing audited.</summary>
    public static AuditState None { get; } = new(false, false, [], []);

    /// <summary>Audited policies select the endpoint for ingress beside enforcing ones.</summary>
    public bool IngressBeside { get; init; }

    /// <summary>Audited policies select the endpoint for egress beside enforcing ones.</summary>
    public bool EgressBeside { get; init; }

    /// <summary>True when <paramref name="direction"/> is audited in either way.</summary>
    public bool Any(TrafficDirection direction) => direction == TrafficDirection.Ingress ? Ingress || IngressBeside : Egress || EgressBeside;

    /// <summary>The audited policies of <paramref name="direction"/>.</summary>
    public IReadOnlyList<string> PoliciesOf(TrafficDirection direction) => direction == TrafficDirection.Ingress ? IngressPolicies : EgressPolicies;

    /// <inheritdoc />
    public bool Equals(AuditState? other) => other is not null && Ingress == other.Ingress && Egress == other.Egress
        && IngressBeside == other.IngressBeside && EgressBeside == other.EgressBeside
        && IngressPolicies.SequenceEqual(other.IngressPolicies) && EgressPolicies.SequenceEqual(other.EgressPolicies);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Ingress, Egress, IngressBeside, EgressBeside, IngressPolicies.Count, EgressPolicies.Count);
}
