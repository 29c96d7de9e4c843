using System.Net;

namespace CiliumL7.Proxy.Tests.Support;

/// <summary>A fixed ipcache: address → peer.</summary>
public sealed class TestPeers : IPeerResolver
{
    private readonly Dictionary<IPAddress, PeerInfo> _peers = [];

    public TestPeers Add(IPAddress address, PeerInfo peer)
    {
        _peers[address] = peer;
        return this;
    }

    public PeerInfo? Resolve(IPAddress address) => _peers.GetValueOrDefault(address);
}
