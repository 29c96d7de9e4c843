using System.Collections.Frozen;
using System.Net;
using CiliumL7.Client.Models;
using CiliumL7.Proxy;

namespace CiliumL7.Agent.L7;

/// <summary>
/// The proxy's ipcache: local endpoint addresses (exact), then other nodes'
/// pods (exact, kvstore mode), then the policies' CIDR identities and the
/// node's own addresses as host (longest prefix), else world. Rebuilt per regeneration and
/// swapped whole; lookups never lock or allocate.
/// </summary>
internal sealed class AgentPeerResolver : IPeerResolver
{
    private readonly RemotePeers? _remote;
    private volatile State _state = new(FrozenDictionary<IPAddress, PeerInfo>.Empty, []);

    public AgentPeerResolver(RemotePeers? remote = null) => _remote = remote;

    public PeerInfo? Resolve(IPAddress address)
    {
        var state = _state;
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (state.Endpoints.TryGetValue(address, out var peer))
        {
            return peer;
        }
        if (_remote is not null && _remote.TryGet(address, out peer))
        {
            return peer;
        }
        foreach (var (prefix, info) in state.Cidrs)
        {
            if (prefix.Contains(address))
            {
                return info;
            }
        }
        return PeerInfo.World;
    }

    public void Update(IReadOnlyList<EndpointModel> endpoints, IReadOnlyDictionary<IPNetwork, uint> cidrs)
    {
        var map = new Dictionary<IPAddress, PeerInfo>();
        foreach (var e in endpoints)
        {
            if (e.Ipv4 is not null && IPAddress.TryParse(e.Ipv4, out var ip))
            {
                map[ip] = new PeerInfo((uint)e.Identity, (uint)e.Id, e.Namespace, e.Name, e.Labels);
            }
        }
        var cidrList = cidrs
            .OrderByDescending(kv => kv.Key.PrefixLength)
            .Select(kv => (kv.Key, kv.Value == CiliumL7.Policy.Identity.ReservedIdentity.Host
                ? new PeerInfo(kv.Value, 0, null, null, ["reserved:host"]) // a node address
                : new PeerInfo(kv.Value, 0, null, null, ["cidr:" + kv.Key, "reserved:world"])))
            .ToArray();
        _state = new State(map.ToFrozenDictionary(), cidrList);
    }

    private sealed record State(FrozenDictionary<IPAddress, PeerInfo> Endpoints, (IPNetwork Prefix, PeerInfo Info)[] Cidrs);
}
