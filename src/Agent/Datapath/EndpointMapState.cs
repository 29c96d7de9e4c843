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

    /// <summary>
    /// True when both put the same flags and the same entries in the map, in any order
    /// (<see cref="WithAdded"/> appends; a resolution orders its own).
    /// </summary>
    public bool SameMapStateInAnyOrder(EndpointMapState other)
    {
        if (SameMapState(other))
        {
            return true;
        }
        if (Entries.Count != other.Entries.Count || !SameFlags(other))
        {
            return false;
        }
        var set = new HashSet<PolicyMapEntrySpec>(Entries);
        foreach (var e in other.Entries)
        {
            if (!set.Remove(e))
            {
                return false;
            }
        }
        return set.Count == 0;
    }

    /// <summary>
    /// This state plus <paramref name="added"/>, as the map holds it after an incremental
    /// write: an entry whose key (direction, identity, protocol, ports) is already there keeps its value.
    /// </summary>
    public EndpointMapState WithAdded(IReadOnlyList<PolicyMapEntrySpec> added)
    {
        var merged = new List<PolicyMapEntrySpec>(Entries);
        foreach (var e in added)
        {
            if (!merged.Exists(m => m.Direction == e.Direction && m.Identity == e.Identity && m.Protocol == e.Protocol && m.Port == e.Port && m.EndPort == e.EndPort))
            {
                merged.Add(e);
            }
        }
        return this with { Entries = merged };
    }

    private bool SameFlags(EndpointMapState other) =>
        IngressEnforced == other.IngressEnforced && EgressEnforced == other.EgressEnforced &&
        IngressAudit == other.IngressAudit && EgressAudit == other.EgressAudit &&
        IngressAuditBeside == other.IngressAuditBeside && EgressAuditBeside == other.EgressAuditBeside;
}
