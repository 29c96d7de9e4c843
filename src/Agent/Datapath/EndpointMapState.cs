namespace CiliumL7.Agent.Datapath;

/// <summary>What one endpoint's policy map holds (or is to hold): enforcement per direction and the entries.</summary>
/// <param name="EndpointId">The endpoint.</param>
/// <param name="IngressEnforced">Ingress is default-deny.</param>
/// <param name="EgressEnforced">Egress is default-deny.</param>
/// <param name="Entries">The entries.</param>
internal sealed record EndpointMapState(int EndpointId, bool IngressEnforced, bool EgressEnforced, IReadOnlyList<PolicyMapEntrySpec> Entries)
{
    /// <summary>No policy: nothing enforced, no entries.</summary>
    public static EndpointMapState Empty(int endpointId) => new(endpointId, false, false, []);

    /// <summary>Ingress audit mode: drops pass, reported as AUDIT.</summary>
    public bool IngressAudit { get; init; }

    /// <summary>Egress audit mode.</summary>
    public bool EgressAudit { get; init; }

    /// <summary>Audited policies beside enforcing ones on ingress: their entries (<see cref="PolicyMapEntrySpec.AuditBeside"/>) only report.</summary>
    public bool IngressAuditBeside { get; init; }

    /// <summary>The same for egress.</summary>
    public bool EgressAuditBeside { get; init; }

    /// <summary>True when both states put the same flags and entries in the map.</summary>
    public bool SameMapState(EndpointMapState other) => SameFlags(other) && Entries.SequenceEqual(other.Entries);

    /// <summary>True when both states put the same flags in the endpoint map.</summary>
    public bool SameFlags(EndpointMapState other) =>
        IngressEnforced == other.IngressEnforced && EgressEnforced == other.EgressEnforced &&
        IngressAudit == other.IngressAudit && EgressAudit == other.EgressAudit &&
        IngressAuditBeside == other.IngressAuditBeside && EgressAuditBeside == other.EgressAuditBeside;
}
