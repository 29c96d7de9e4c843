using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Maps;

/// <summary>
/// A typed view of one BPF map's file descriptor. The descriptor belongs to
/// the loaded object; this type never closes it.
/// </summary>
/// <typeparam name="TKey">The ABI key struct.</typeparam>
/// <typeparam name="TValue">The ABI value struct.</typeparam>
public sealed unsafe class BpfMap<TKey, TValue>
    where TKey : unmanaged
    where TValue : unmanaged
{
    internal BpfMap(string name, int fd)
    {
        Name = name;
        Fd = fd;
    }

    /// <summary>The map's name in the object (also its pin file name).</summary>
    public string Name { get; }

    /// <summary>The map's file descriptor.</summary>
    public int Fd { get; }

    /// <summary>Creates or replaces an entry.</summary>
    public void Update(in TKey key, in TValue value)
    {
        TKey k = key;
        TValue v = value;
        LibBpf.Check(LibBpf.MapUpdateElem(Fd, &k, &v, LibBpf.BpfAny), $"update of map {Name}");
    }

    /// <summary>Looks an entry up.</summary>
    public bool TryLookup(in TKey key, out TValue value)
    {
        TKey k = key;
        TValue v;
        int ret = LibBpf.MapLookupElem(Fd, &k, &v);
        if (ret == -Errno.ENOENT)
        {
            value = default;
            return false;
        }
        LibBpf.Check(ret, $"lookup in map {Name}");
        value = v;
        return true;
    }

    /// <summary>Deletes an entry; false when it was not there.</summary>
    public bool Delete(in TKey key)
    {
        TKey k = key;
        int ret = LibBpf.MapDeleteElem(Fd, &k);
        if (ret == -Errno.ENOENT)
        {
            return false;
        }
        LibBpf.Check(ret, $"delete from map {Name}");
        return true;
    }

    /// <summary>Every key, in the map's iteration order (a snapshot taken now).</summary>
    public List<TKey> Keys()
    {
        var keys = new List<TKey>();
        TKey cur = default;
        TKey next;
        bool first = true;
        while (true)
        {
            int ret = first ? LibBpf.MapGetNextKey(Fd, null, &next) : LibBpf.MapGetNextKey(Fd, &cur, &next);
            if (ret == -Errno.ENOENT)
            {
                return keys;
            }
            LibBpf.Check(ret, $"iteration of map {Name}");
            keys.Add(next);
            cur = next;
            first = false;
        }
    }

    /// <summary>Every entry (keys that vanish during the walk are skipped).</summary>
    public List<KeyValuePair<TKey, TValue>> Entries()
    {
        var keys = Keys();
        var entries = new List<KeyValuePair<TKey, TValue>>(keys.Count);
        foreach (var key in keys)
        {
            if (TryLookup(key, out var value))
            {
                entries.Add(new KeyValuePair<TKey, TValue>(key, value));
            }
        }
        return entries;
    }

    /// <summary>Per-CPU maps: the values of every possible CPU.</summary>
    public bool TryLookupPerCpu(in TKey key, Span<TValue> perCpu)
    {
        TKey k = key;
        if (sizeof(TValue) % 8 != 0)
        {
            throw new InvalidOperationException($"per-CPU value {typeof(TValue).Name} must be a multiple of 8 bytes");
        }
        fixed (TValue* v = perCpu)
        {
            int ret = LibBpf.MapLookupElem(Fd, &k, v);
            if (ret == -Errno.ENOENT)
            {
                return false;
            }
            LibBpf.Check(ret, $"lookup in map {Name}");
            return true;
        }
    }
}
