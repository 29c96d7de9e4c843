using CiliumL7.Client.Models;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Agent.Identity;

/// <summary>
/// The node's identity allocator (the policy engine's
/// <see cref="InMemoryIdentityAllocator"/>), restored from and persisted to the
/// state directory so that a restart gives every label set — and every CIDR —
/// the identity it had. The same allocator instance is handed to the policy
/// resolver, which allocates CIDR identities in it. Identities are never
/// released while the agent runs (a later pod with the same labels gets the
/// same number).
/// </summary>
internal sealed class IdentityStore
{
    private InMemoryIdentityAllocator _allocator = new();

    /// <summary>The allocator the policy resolver uses.</summary>
    public IIdentityAllocator Allocator => _allocator;

    /// <summary>Reserved identities (FACTS.md §4), reported by <c>identity list</c>.</summary>
    public static IReadOnlyList<(long Id, string Label)> Reserved { get; } = BuildReserved();

    public int Count => _allocator.All.Count;

    /// <summary>Replaces the allocator with one holding <paramref name="persisted"/> (call before anything is allocated).</summary>
    public void Restore(IEnumerable<IdentityModel> persisted)
    {
        var existing = new List<KeyValuePair<uint, LabelSet>>();
        var seen = new HashSet<LabelSet>();
        foreach (var identity in persisted)
        {
            var labels = new LabelSet(identity.Labels.Select(l => Label.Parse(l)));
            if (identity.Id >= ReservedIdentity.FirstAllocatable && identity.Id <= uint.MaxValue && seen.Add(labels))
            {
                existing.Add(new((uint)identity.Id, labels));
            }
        }
        _allocator = new InMemoryIdentityAllocator(existing);
    }

    /// <summary>The identity for these security-relevant labels, allocating one if needed.</summary>
    public long GetOrAllocate(IReadOnlyList<string> securityLabels)
    {
        return _allocator.GetOrAllocate(new LabelSet(securityLabels.Select(l => Label.Parse(l))));
    }

    public IReadOnlyList<string>? LabelsOf(long id) =>
        id is >= 0 and <= uint.MaxValue && _allocator.TryGetLabels((uint)id, out var labels) ? labels.ToStrings() : null;

    /// <summary>Every allocated identity (label sets and CIDRs), for persistence and <c>identity list</c>.</summary>
    public List<IdentityModel> Snapshot()
    {
        var list = new List<IdentityModel>();
        foreach (var (id, labels) in _allocator.All.OrderBy(kv => kv.Key))
        {
            list.Add(new IdentityModel { Id = id, Labels = labels.ToStrings() });
        }
        return list;
    }

    private static List<(long, string)> BuildReserved()
    {
        var list = new List<(long, string)>();
        foreach (var (id, name) in ReservedIdentity.Names.OrderBy(kv => kv.Key))
        {
            if (id != ReservedIdentity.Unknown)
            {
                list.Add((id, "reserved:" + name));
            }
        }
        return list;
    }
}
