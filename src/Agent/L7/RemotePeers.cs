using System.Collections.Frozen;
using System.Net;
using CiliumL7.Proxy;

namespace CiliumL7.Agent.L7;

/// <summary>
/// The other nodes' pods as the proxy sees them (kvstore mode): address →
/// identity, namespace, pod, labels — the same rows the ipcache BPF map gets.
/// Replaced whole on every change; lookups never lock.
/// </summary>
internal sealed class RemotePeers
{
    private volatile FrozenDictionary<IPAddress, PeerInfo> _peers = FrozenDictionary<IPAddress, PeerInfo>.Empty;

    public bool TryGet(IPAddress address, out PeerInfo peer) => _peers.TryGetValue(address, out peer!);

    /// <summary>Every remote pod now (a snapshot).</summary>
    public IReadOnlyDictionary<IPAddress, PeerInfo> All => _peers;

    /// <summary>Raised after every <see cref="Replace"/> (services re-select their backends).</summary>
    public event Action? Changed;

    public void Replace(IEnumerable<KeyValuePair<IPAddress, PeerInfo>> peers)
    {
        _peers = peers.ToFrozenDictionary();
        Changed?.Invoke();
    }
}
