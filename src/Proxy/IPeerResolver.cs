using System.Net;

namespace CiliumL7.Proxy;

/// <summary>
/// Maps an address to its identity (the agent's ipcache). Called on the request
/// path: implementations must be thread-safe, fast and allocation-free (return
/// stored <see cref="PeerInfo"/> instances).
/// </summary>
public interface IPeerResolver
{
    /// <summary>The peer owning <paramref name="address"/>, or null when unknown (treated as world).</summary>
    PeerInfo? Resolve(IPAddress address);
}
