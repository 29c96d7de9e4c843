namespace CiliumL7.Agent.KvStore;

/// <summary>A watch asked for a revision etcd has compacted away: the watcher must list again.</summary>
internal sealed class KvStoreCompactedException(string prefix, long compactRevision)
    : Exception($"the watch on {prefix} starts before etcd's compacted revision {compactRevision}; listing again")
{
    public long CompactRevision { get; } = compactRevision;
}
