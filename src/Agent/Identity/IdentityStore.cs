using CiliumL7.Agent.KvStore;
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
/// In kvstore mode the allocator is the cluster's (<see cref="EtcdIdentityAllocator"/>):
/// the file seeds its cache, and an identity no local endpoint uses any more is
/// released (its reference in etcd deleted; the cluster's GC removes it later).
/// </summary>
internal sealed class IdentityStore
{
    private readonly EtcdIdentityAllocator? _clustered;
    private IIdentityAllocator _allocator = new InMemoryIdentityAllocator();
    private bool _restoring;

    public IdentityStore(EtcdIdentityAllocator? clustered = null)
    {
        _clustered = clustered;
        if (clustered is not null)
        {
            _allocator = clustered;
        }
    }

    /// <summary>True when identities are the cluster's (kvstore mode).</summary>
    public bool Clustered => _clustered is not null;

    /// <summary>The allocator the policy resolver uses.</summary>
    public IIdentityAllocator Allocator => _allocator;

    /// <summary>Cilium's reserved identities, reported by <c>identity list</c>.</summary>
    public static IReadOnlyList<(long Id, string Label)> Reserved { get; } = BuildReserved();

    public int Count => _allocator.All.Count;

    public IIdentityAllocator Current => _allocator;

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
        if (_clustered is not null)
        {
            _clustered.Seed(existing);
            _restoring = true;
        }
        else
        {
            _allocator = new InMemoryIdentityAllocator(existing);
        }
    }

    /// <summary>Restoration is over: from now on a label set not cached asks the kvstore.</summary>
    public void RestoreDone() => _restoring = false;

    /// <summary>Releases one endpoint's reference (kvstore mode only; standalone identities are kept for the process's life).</summary>
    public void Release(long id)
    {
        if (_clustered is not null && id is >= ReservedIdentity.FirstAllocatable and <= uint.MaxValue)
        {
            _clustered.Release((uint)id);
        }
    }

    /// <summary>The identity for these security-relevant labels, allocating one if needed.</summary>
    public long GetOrAllocate(IReadOnlyList<string> securityLabels)
    {
        var labels = new LabelSet(securityLabels.Select(l => Label.Parse(l)));
        if (_restoring && _clustered is not null && _clustered.TryAdopt(labels, out var adopted))
        {
            return adopted;
        }
        return _allocator.GetOrAllocate(labels);
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
