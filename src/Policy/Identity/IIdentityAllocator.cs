using System.Net;

namespace CiliumL7.Policy.Identity;

/// <summary>
/// Hands out numeric identities for label sets. In-process now
/// (<see cref="InMemoryIdentityAllocator"/>); the agent persists and restores
/// the assignments; a kvstore-backed allocator can implement the same contract.
/// </summary>
public interface IIdentityAllocator
{
    /// <summary>The identity of <paramref name="labels"/>, allocating the next free one (from 256) when new.</summary>
    uint GetOrAllocate(LabelSet labels);

    /// <summary>The node-local identity (0x01000001+) of a CIDR prefix, allocating it when new.</summary>
    uint GetOrAllocateCidr(IPNetwork prefix);

    /// <summary>Looks up the labels of an identity (reserved identities included).</summary>
    bool TryGetLabels(uint id, out LabelSet labels);

    /// <summary>Releases one reference taken by <see cref="GetOrAllocate"/>; false when unknown.</summary>
    bool Release(uint id);

    /// <summary>Every allocated identity (label sets and CIDRs; reserved ones excluded).</summary>
    IReadOnlyDictionary<uint, LabelSet> All { get; }

    /// <summary>The allocated CIDR identities by prefix.</summary>
    IReadOnlyDictionary<IPNetwork, uint> Cidrs { get; }
}
