using System.Net;

namespace CiliumL7.Policy.Identity;

/// <summary>
/// An in-process <see cref="IIdentityAllocator"/>: label-set identities from
/// 256, CIDR identities from 0x01000001. Thread-safe. Reference counted: an
/// identity is forgotten when its last holder releases it, but the number is
/// not reused within the process. Pre-existing assignments (restored by the
/// agent) are honoured.
/// </summary>
public sealed class InMemoryIdentityAllocator : IIdentityAllocator
{
    private readonly Lock _lock = new();
    private readonly Dictionary<LabelSet, uint> _byLabels = [];
    private readonly Dictionary<uint, LabelSet> _byId = [];
    private readonly Dictionary<uint, int> _refs = [];
    private readonly Dictionary<IPNetwork, uint> _cidrs = [];
    private uint _next = ReservedIdentity.FirstAllocatable;
    private uint _nextLocal = ReservedIdentity.FirstLocal;

    /// <summary>Creates an empty allocator.</summary>
    public InMemoryIdentityAllocator()
    {
    }

    /// <summary>Creates an allocator restoring <paramref name="existing"/> (identity → labels).</summary>
    public InMemoryIdentityAllocator(IEnumerable<KeyValuePair<uint, LabelSet>> existing)
    {
        foreach (var (id, labels) in existing)
        {
            if (ReservedIdentity.IsLocal(id) && TryParseCidrLabels(labels, out var prefix))
            {
                _cidrs[prefix] = id;
                _nextLocal = Math.Max(_nextLocal, id + 1);
            }
            else
            {
                _next = Math.Max(_next, id + 1);
            }
            _byLabels[labels] = id;
            _byId[id] = labels;
            _refs[id] = 1;
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<uint, LabelSet> All
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<uint, LabelSet>(_byId);
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<IPNetwork, uint> Cidrs
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<IPNetwork, uint>(_cidrs);
            }
        }
    }

    /// <inheritdoc />
    public uint GetOrAllocate(LabelSet labels)
    {
        lock (_lock)
        {
            if (_byLabels.TryGetValue(labels, out var id))
            {
                _refs[id]++;
                return id;
            }
            if (_next > ReservedIdentity.LastAllocatable)
            {
                throw new InvalidOperationException("identity space exhausted (24 bits)");
            }
            id = _next++;
            _byLabels[labels] = id;
            _byId[id] = labels;
            _refs[id] = 1;
            return id;
        }
    }

    /// <inheritdoc />
    public uint GetOrAllocateCidr(IPNetwork prefix)
    {
        lock (_lock)
        {
            if (_cidrs.TryGetValue(prefix, out var id))
            {
                return id;
            }
            if (_nextLocal > ReservedIdentity.LastLocal)
            {
                throw new InvalidOperationException("local identity space exhausted");
            }
            id = _nextLocal++;
            var labels = new LabelSet([new Label(Label.SourceCidr, prefix.ToString(), ""), Label.Reserved("world")]);
            _cidrs[prefix] = id;
            _byLabels[labels] = id;
            _byId[id] = labels;
            _refs[id] = 1;
            return id;
        }
    }

    /// <inheritdoc />
    public bool TryGetLabels(uint id, out LabelSet labels)
    {
        if (ReservedIdentity.IsReserved(id))
        {
            labels = ReservedIdentity.LabelsOf(id);
            return labels.Count > 0;
        }
        lock (_lock)
        {
            if (_byId.TryGetValue(id, out var found))
            {
                labels = found;
                return true;
            }
        }
        labels = LabelSet.Empty;
        return false;
    }

    /// <inheritdoc />
    public bool Release(uint id)
    {
        lock (_lock)
        {
            if (!_refs.TryGetValue(id, out var count))
            {
                return false;
            }
            if (count > 1)
            {
                _refs[id] = count - 1;
                return true;
            }
            var labels = _byId[id];
            _refs.Remove(id);
            _byId.Remove(id);
            _byLabels.Remove(labels);
            foreach (var (prefix, cidrId) in _cidrs)
            {
                if (cidrId == id)
                {
                    _cidrs.Remove(prefix);
                    break;
                }
            }
            return true;
        }
    }

    private static bool TryParseCidrLabels(LabelSet labels, out IPNetwork prefix)
    {
        foreach (var label in labels)
        {
            if (label.Source == Label.SourceCidr && IPNetwork.TryParse(label.Key, out prefix))
            {
                return true;
            }
        }
        prefix = default;
        return false;
    }
}
