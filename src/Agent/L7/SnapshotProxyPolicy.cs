using CiliumL7.Policy.L7;
using CiliumL7.Policy.Resolution;
using CiliumL7.Proxy;

namespace CiliumL7.Agent.L7;

/// <summary>The proxy's view of one resolved <see cref="PolicySnapshot"/> (immutable; swapped whole per regeneration).</summary>
internal sealed class SnapshotProxyPolicy : IProxyPolicy
{
    private const byte Tcp = 6;
    private readonly PolicySnapshot _snapshot;

    public SnapshotProxyPolicy(PolicySnapshot snapshot) => _snapshot = snapshot;

    public HttpRuleSet? GetHttpRules(RedirectKey key, uint remoteIdentity) =>
        _snapshot.GetEndpoint(key.EndpointId)?.GetHttpRules(key.Direction, key.Port, Tcp, remoteIdentity);
}
