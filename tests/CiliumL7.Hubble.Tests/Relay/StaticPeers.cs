using CiliumL7.Hubble.Services;

namespace CiliumL7.Hubble.Tests.Relay;

/// <summary>A Peer service source with a fixed, changeable node list (what an agent's kvstore view gives the Peer service).</summary>
internal sealed class StaticPeers : IPeerSource
{
    private volatile IReadOnlyList<HubblePeer> _peers = [];

    public event Action? Changed;

    public IReadOnlyList<HubblePeer> Peers() => _peers;

    public void Set(params HubblePeer[] peers)
    {
        _peers = peers;
        Changed?.Invoke();
    }
}
