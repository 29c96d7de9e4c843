namespace CiliumL7.Client.Models;

/// <summary>Body of <c>POST /v1/ipam</c>. Allocation is idempotent per owner.</summary>
public sealed record IpamAllocateRequest
{
    /// <summary>Owner of the address (the container id).</summary>
    public required string Owner { get; init; }
}
