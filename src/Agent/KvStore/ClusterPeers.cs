using CiliumL7.Hubble.Services;

namespace CiliumL7.Agent.KvStore;

/// <summary>The Peer service's view of the cluster: every node registered in the kvstore that has a Hubble address.</summary>
internal sealed class ClusterPeers : IPeerSource
{
    private KvStoreSync? _sync;

    public event Action? Changed;

    /// <summary>Connects the source once the kvstore sync exists (Hubble starts before it).</summary>
    public void Attach(KvStoreSync sync)
    {
        _sync = sync;
        sync.NodesChanged += () => Changed?.Invoke();
        Changed?.Invoke();
    }

    public IReadOnlyList<HubblePeer> Peers() =>
        _sync is null ? [] : [.. _sync.Nodes().Where(n => n.HubbleAddress is not null).Select(n => new HubblePeer(n.Name, n.HubbleAddress!))];
}
