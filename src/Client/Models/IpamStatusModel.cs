namespace CiliumL7.Client.Models;

/// <summary><c>GET /v1/ipam</c>: the pod CIDR and who holds which address.</summary>
public sealed record IpamStatusModel
{
    /// <summary>The node's pod CIDR.</summary>
    public required string Cidr { get; init; }

    /// <summary>The gateway address (not allocatable).</summary>
    public required string Gateway { get; init; }

    /// <summary>Addresses in use.</summary>
    public required IReadOnlyList<IpamAllocation> Allocations { get; init; }

    /// <summary>Number of addresses still free.</summary>
    public int Available { get; init; }
}
