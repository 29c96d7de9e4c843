namespace CiliumL7.Agent.KvStore;

/// <summary>
/// The value of <c>cilium/state/nodes/v1/&lt;cluster&gt;/&lt;node&gt;</c> (Cilium's
/// node field names where they exist): name, cluster, addresses, pod CIDR, and
/// what a relay or a CLI needs to reach the node's agent.
/// </summary>
internal sealed record NodeRecord
{
    public required string Name { get; init; }

    public string Cluster { get; init; } = "";

    public int ClusterID { get; init; }

    public IReadOnlyList<NodeAddressRecord> IPAddresses { get; init; } = [];

    public string? IPv4AllocCIDR { get; init; }

    public string? HubbleAddress { get; init; }

    public string? AgentSocket { get; init; }

    public string Health { get; init; } = "Ok";

    /// <summary>The first InternalIP.</summary>
    public string? InternalIp => IPAddresses.FirstOrDefault(a => a.Type == "InternalIP")?.IP;
}
