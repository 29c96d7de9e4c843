namespace CiliumL7.Policy.Generation;

/// <summary>What a policy can select an observed peer by.</summary>
public enum ObservedPeerKind
{
    /// <summary>A pod: selected by its security-relevant labels.</summary>
    Workload,

    /// <summary>A reserved identity other than the world: selected by its entity name.</summary>
    Entity,

    /// <summary>Outside the cluster: selected by CIDR (or by DNS name with toFQDNs).</summary>
    World,
}
