using System.Globalization;
using System.Net;
using CiliumL7.Agent.KvStore.Etcd;
using CiliumL7.Agent.KvStore.Etcd.Wire;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Agent.KvStore;

/// <summary>
/// Cluster-wide security identities in etcd (Cilium's layout, <see cref="KvStoreKeys"/>):
/// the same label set gets the same number on every node.
/// <list type="number">
/// <item>Known (from the watch of <c>id/</c>, or a reference <c>value/&lt;labelkey&gt;/*</c>
/// exists): reuse it and write this node's reference under its lease.</item>
/// <item>New: one transaction takes the lowest free number — it succeeds only if
/// <c>id/&lt;N&gt;</c> does not exist and no node references the label key — and
/// writes the master key (no lease) and this node's reference (lease).</item>
/// </list>
/// Garbage collection (<see cref="CollectGarbageAsync"/>): a master key that no node
/// references any more (their leases expired or were revoked, or the nodes released
/// it) is deleted in a transaction that fails if a reference appears meanwhile.
/// CIDR identities stay node-local (0x01000001+), as in Cilium.
/// While etcd is unreachable, known identities keep working (their references are
/// written on the next resync); a label set never seen cannot get a number and
/// <see cref="GetOrAllocate"/> throws <see cref="KvStoreUnavailableException"/>.
/// </summary>
internal sealed class EtcdIdentityAllocator : IIdentityAllocator
{
    private readonly EtcdClient _etcd;
    private readonly string _node;
    private readonly Func<long> _lease;
    private readonly Lock _lock = new();
    private readonly Dictionary<LabelSet, uint> _byLabels = [];
    private readonly Dictionary<uint, LabelSet> _byId = [];
    private readonly Dictionary<uint, int> _refs = [];
    private readonly InMemoryIdentityAllocator _cidrs = new();

    public EtcdIdentityAllocator(EtcdClient etcd, string node, Func<long> lease)
    {
        _etcd = etcd;
        _node = node;
        _lease = lease;
    }

    /// <summary>Raised (outside the lock) when the watch brought identities of other nodes or removed some.</summary>
    public event Action? Changed;

    /// <summary>Seeds the cache with identities persisted by a previous run (enforcement works before etcd answers).</summary>
    public void Seed(IEnumerable<KeyValuePair<uint, LabelSet>> existing)
    {
        lock (_lock)
        {
            foreach (var (id, labels) in existing)
            {
                if (ReservedIdentity.IsLocal(id))
                {
                    continue;
                }
                _byId[id] = labels;
                _byLabels[labels] = id;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<uint, LabelSet> All
    {
        get
        {
            lock (_lock)
            {
                var all = new Dictionary<uint, LabelSet>(_byId);
                foreach (var (id, labels) in _cidrs.All)
                {
                    all[id] = labels;
                }
                return all;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<IPNetwork, uint> Cidrs => _cidrs.Cidrs;

    /// <summary>Identities this node references (its endpoints use them).</summary>
    public IReadOnlyCollection<uint> InUse
    {
        get
        {
            lock (_lock)
            {
                return [.. _refs.Keys];
            }
        }
    }

    /// <summary>Takes a reference on a cached identity without asking etcd (restored endpoints; the reference key is written on connect).</summary>
    public bool TryAdopt(LabelSet labels, out uint id)
    {
        lock (_lock)
        {
            if (_byLabels.TryGetValue(labels, out id))
            {
                _refs[id] = _refs.GetValueOrDefault(id) + 1;
                return true;
            }
        }
        return false;
    }

    /// <inheritdoc />
    public uint GetOrAllocate(LabelSet labels)
    {
        uint known;
        lock (_lock)
        {
            if (_byLabels.TryGetValue(labels, out known) && _refs.TryGetValue(known, out var n))
            {
                _refs[known] = n + 1;
                return known;
            }
        }
        uint id;
        try
        {
            id = AllocateAsync(labels, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (KvStoreUnavailableException) when (known != 0)
        {
            id = known; // the reference is written on the next resync
        }
        lock (_lock)
        {
            _byId[id] = labels;
            _byLabels[labels] = id;
            _refs[id] = _refs.GetValueOrDefault(id) + 1;
        }
        return id;
    }

    /// <inheritdoc />
    public uint GetOrAllocateCidr(IPNetwork prefix) => _cidrs.GetOrAllocateCidr(prefix);

    /// <inheritdoc />
    public bool TryGetLabels(uint id, out LabelSet labels)
    {
        if (ReservedIdentity.IsReserved(id) || ReservedIdentity.IsLocal(id))
        {
            return _cidrs.TryGetLabels(id, out labels);
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

    /// <summary>Drops one local reference; the last one deletes this node's reference key (best effort: a resync fixes it).</summary>
    public bool Release(uint id)
    {
        if (ReservedIdentity.IsLocal(id))
        {
            return _cidrs.Release(id);
        }
        LabelSet? labels;
        lock (_lock)
        {
            if (!_refs.TryGetValue(id, out var n))
            {
                return false;
            }
            if (n > 1)
            {
                _refs[id] = n - 1;
                return true;
            }
            _refs.Remove(id);
            labels = _byId.GetValueOrDefault(id);
        }
        if (labels is not null)
        {
            try
            {
                _etcd.DeleteAsync(KvStoreKeys.Value(labels.ToLabelKey(), _node)).GetAwaiter().GetResult();
            }
            catch (KvStoreUnavailableException)
            {
            }
        }
        return true;
    }

    /// <summary>Re-writes this node's references (new lease after a reconnect), re-creating master keys a GC removed meanwhile.</summary>
    public async Task ResyncAsync(CancellationToken ct)
    {
        List<(uint Id, LabelSet Labels)> used;
        lock (_lock)
        {
            used = [.. _refs.Keys.Where(_byId.ContainsKey).Select(id => (id, _byId[id]))];
        }
        foreach (var (id, labels) in used)
        {
            var key = labels.ToLabelKey();
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = EtcdClient.Bytes(KvStoreKeys.Id(id)), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
            txn.Success.Add(Put(KvStoreKeys.Id(id), key, 0));
            txn.Success.Add(Put(KvStoreKeys.Value(key, _node), Num(id), _lease()));
            txn.Failure.Add(Put(KvStoreKeys.Value(key, _node), Num(id), _lease()));
            await _etcd.TxnAsync(txn, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Applies a full listing of <c>id/</c> (after a (re)connect): the cache becomes exactly that plus what this node uses.</summary>
    public void ApplyListing(IEnumerable<KeyValue> masters)
    {
        lock (_lock)
        {
            var seen = new HashSet<uint>();
            foreach (var kv in masters)
            {
                if (ApplyPutLocked(kv) is { } id)
                {
                    seen.Add(id);
                }
            }
            foreach (var id in _byId.Keys.Where(id => !seen.Contains(id) && !_refs.ContainsKey(id)).ToList())
            {
                _byLabels.Remove(_byId[id]);
                _byId.Remove(id);
            }
        }
        Changed?.Invoke();
    }

    /// <summary>Applies watch events on <c>id/</c>.</summary>
    public void ApplyEvents(IEnumerable<Event> events)
    {
        var changed = false;
        lock (_lock)
        {
            foreach (var ev in events)
            {
                if (ev.Type == Event.Types.EventType.Put)
                {
                    changed |= ApplyPutLocked(ev.Kv) is not null;
                }
                else if (KvStoreKeys.TryParseId(ev.Kv.Key.ToStringUtf8(), out var id) && !_refs.ContainsKey(id) && _byId.Remove(id, out var labels))
                {
                    _byLabels.Remove(labels);
                    changed = true;
                }
            }
        }
        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>
    /// Deletes master keys no node references. Each deletion is one transaction that
    /// fails if a reference appeared or the master changed since it was read.
    /// </summary>
    public async Task<int> CollectGarbageAsync(CancellationToken ct)
    {
        var (masters, _) = await _etcd.GetPrefixAsync(KvStoreKeys.IdPrefix, ct: ct).ConfigureAwait(false);
        var (references, _) = await _etcd.GetPrefixAsync(KvStoreKeys.ValuePrefix, keysOnly: true, ct: ct).ConfigureAwait(false);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in references)
        {
            var key = r.Key.ToStringUtf8()[KvStoreKeys.ValuePrefix.Length..];
            var slash = key.LastIndexOf('/');
            if (slash > 0)
            {
                referenced.Add(key[..slash]);
            }
        }
        var deleted = 0;
        foreach (var master in masters)
        {
            var labelKey = master.Value.ToStringUtf8();
            if (referenced.Contains(labelKey))
            {
                continue;
            }
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = master.Key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = master.ModRevision });
            txn.Compare.Add(new Compare
            {
                Key = EtcdClient.Bytes(KvStoreKeys.ValuesOf(labelKey)),
                RangeEnd = EtcdClient.PrefixEnd(KvStoreKeys.ValuesOf(labelKey)),
                Target = Compare.Types.CompareTarget.Create,
                Result = Compare.Types.CompareResult.Equal,
                CreateRevision = 0,
            });
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = master.Key } });
            if ((await _etcd.TxnAsync(txn, ct).ConfigureAwait(false)).Succeeded)
            {
                deleted++;
            }
        }
        return deleted;
    }

    private async Task<uint> AllocateAsync(LabelSet labels, CancellationToken ct)
    {
        var labelKey = labels.ToLabelKey();
        var lease = _lease();
        for (var attempt = 0; attempt < 32; attempt++)
        {
            // :: Step 1: someone references these labels already: use their number.
            var (refs, _) = await _etcd.GetPrefixAsync(KvStoreKeys.ValuesOf(labelKey), ct: ct).ConfigureAwait(false);
            foreach (var r in refs)
            {
                if (uint.TryParse(r.Value.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out var existing))
                {
                    var txn = new TxnRequest();
                    txn.Compare.Add(new Compare { Key = EtcdClient.Bytes(KvStoreKeys.Id(existing)), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = EtcdClient.Bytes(labelKey) });
                    txn.Success.Add(Put(KvStoreKeys.Value(labelKey, _node), Num(existing), lease));
                    if ((await _etcd.TxnAsync(txn, ct).ConfigureAwait(false)).Succeeded)
                    {
                        return existing;
                    }
                }
            }

            // :: Step 2: a master key for these labels with no references left: take it over.
            uint candidate;
            long masterMod = 0;
            lock (_lock)
            {
                if (_byLabels.TryGetValue(labels, out candidate))
                {
                    masterMod = -1;
                }
                else
                {
                    candidate = ReservedIdentity.FirstAllocatable + (uint)attempt;
                    while (_byId.ContainsKey(candidate))
                    {
                        candidate++;
                    }
                }
            }
            if (candidate > ReservedIdentity.LastAllocatable)
            {
                throw new InvalidOperationException("identity space exhausted (24 bits)");
            }
            var create = new TxnRequest();
            if (masterMod == -1)
            {
                create.Compare.Add(new Compare { Key = EtcdClient.Bytes(KvStoreKeys.Id(candidate)), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = EtcdClient.Bytes(labelKey) });
                create.Success.Add(Put(KvStoreKeys.Value(labelKey, _node), Num(candidate), lease));
            }
            else
            {
                // :: Step 3: a new number: free, and nobody allocated these labels meanwhile.
                create.Compare.Add(new Compare { Key = EtcdClient.Bytes(KvStoreKeys.Id(candidate)), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
                create.Compare.Add(new Compare
                {
                    Key = EtcdClient.Bytes(KvStoreKeys.ValuesOf(labelKey)),
                    RangeEnd = EtcdClient.PrefixEnd(KvStoreKeys.ValuesOf(labelKey)),
                    Target = Compare.Types.CompareTarget.Create,
                    Result = Compare.Types.CompareResult.Equal,
                    CreateRevision = 0,
                });
                create.Success.Add(Put(KvStoreKeys.Id(candidate), labelKey, 0));
                create.Success.Add(Put(KvStoreKeys.Value(labelKey, _node), Num(candidate), lease));
            }
            create.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = EtcdClient.Bytes(KvStoreKeys.Id(candidate)) } });
            var result = await _etcd.TxnAsync(create, ct).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return candidate;
            }
            // Taken: learn what holds that number (the watch would tell us too, later).
            lock (_lock)
            {
                var range = result.Responses.Count > 0 ? result.Responses[0].ResponseRange : null;
                if (range is { Kvs.Count: > 0 })
                {
                    ApplyPutLocked(range.Kvs[0]);
                }
                else if (masterMod == -1)
                {
                    _byLabels.Remove(labels);
                    _byId.Remove(candidate);
                }
            }
        }
        throw new KvStoreUnavailableException($"etcd {_etcd.Endpoint}: no identity for {labelKey} after 32 attempts (heavy contention)");
    }

    private uint? ApplyPutLocked(KeyValue kv)
    {
        if (!KvStoreKeys.TryParseId(kv.Key.ToStringUtf8(), out var id))
        {
            return null;
        }
        LabelSet labels;
        try
        {
            labels = LabelSet.Parse(kv.Value.ToStringUtf8());
        }
        catch (FormatException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
        if (_byId.TryGetValue(id, out var old) && !old.Equals(labels))
        {
            _byLabels.Remove(old);
        }
        if (_byLabels.TryGetValue(labels, out var other) && other != id && _refs.ContainsKey(other))
        {
            return id; // this node keeps the number it uses; the duplicate is only listed by number
        }
        _byId[id] = labels;
        _byLabels[labels] = id;
        return id;
    }

    private static RequestOp Put(string key, string value, long lease) =>
        new() { RequestPut = new PutRequest { Key = EtcdClient.Bytes(key), Value = EtcdClient.Bytes(value), Lease = lease } };

    private static string Num(uint id) => id.ToString(CultureInfo.InvariantCulture);
}
