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
}
