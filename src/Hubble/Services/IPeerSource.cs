namespace CiliumL7.Hubble.Services;

/// <summary>
/// Where the Peer service learns the cluster's nodes (the agent's kvstore view).
/// Without one, <see cref="PeerService"/> announces only its own node.
/// </summary>
public interface IPeerSource
{
    /// <summary>Every node with a Hubble address, this one included.</summary>
    IReadOnlyList<HubblePeer> Peers();

    /// <summary>Raised after the set of nodes (or an address) changed.</summary>
    event Action? Changed;
}
