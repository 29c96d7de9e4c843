namespace CiliumL7.Proxy;

/// <summary>What the agent knows about an address: its security identity and, for a local endpoint, its pod.</summary>
/// <param name="Identity">The numeric security identity (2 = world when unknown).</param>
/// <param name="EndpointId">The local endpoint id, 0 when the address is not a local endpoint.</param>
/// <param name="Namespace">The pod namespace, when known.</param>
/// <param name="PodName">The pod name, when known.</param>
/// <param name="Labels">Identity labels as <c>source:key=value</c>.</param>
public sealed record PeerInfo(uint Identity, uint EndpointId, string? Namespace, string? PodName, IReadOnlyList<string> Labels)
{
    /// <summary>Reserved identity 2 (world): what an address the agent does not know resolves to.</summary>
    public static PeerInfo World { get; } = new(2, 0, null, null, ["reserved:world"]);

    /// <summary>
    /// Outside the cluster: the world (2, or 9/10 for the IPv4/IPv6 world) or a node-local CIDR/FQDN identity
    /// (0x01000001–0x01FFFFFF). The proxy reaches such a peer from the node's own address, as the world sees a pod
    /// anyway once its traffic leaves the cluster masqueraded: the answer then comes back to the node, not to a
    /// pod address that only the node's uplink could hand to a transparent socket.
    /// </summary>
    public bool IsOutsideCluster => Identity is 2 or 9 or 10 or (>= 0x01000001 and <= 0x01FFFFFF);
}
