namespace CiliumL7.Datapath;

/// <summary>An endpoint's policy as the maps hold it (ranges appear as their aligned blocks, protocol ANY with a port as one entry per protocol).</summary>
/// <param name="IngressEnforced">Ingress enforcement on.</param>
/// <param name="EgressEnforced">Egress enforcement on.</param>
/// <param name="Revision">The revision given to ApplyPolicy.</param>
/// <param name="Entries">The active generation's entries.</param>
public sealed record EndpointPolicyState(bool IngressEnforced, bool EgressEnforced, uint Revision, IReadOnlyList<PolicyMapEntry> Entries);
