namespace CiliumL7.Datapath;

/// <summary>What the programs need to know about an endpoint attached to a veth.</summary>
/// <param name="EndpointId">The agent's endpoint id (policy is keyed by it; non-zero).</param>
/// <param name="Identity">The endpoint's security identity.</param>
public sealed record EndpointEntry(uint EndpointId, uint Identity);
