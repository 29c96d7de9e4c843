namespace CiliumL7.Client.Models;

/// <summary>An address handed out by the agent's IPAM (<c>POST /v1/ipam</c>).</summary>
public sealed record IpamAllocation
{
    /// <summary>The allocated pod address (IPv4, no prefix).</summary>
    public required string Ipv4 { get; init; }

    /// <summary>The gateway pods route through (the pod CIDR's first address).</summary>
    public required string Gateway { get; init; }

    /// <summary>The node's pod CIDR, e.g. <c>10.244.0.0/24</c>.</summary>
    public required string Cidr { get; init; }

    /// <summary>Who holds the address (the container id).</summary>
    public required string Owner { get; init; }
}
