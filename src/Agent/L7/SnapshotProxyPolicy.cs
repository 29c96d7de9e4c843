using CiliumL7.Policy.L7;
using CiliumL7.Policy.Resolution;
using CiliumL7.Proxy;

namespace CiliumL7.Agent.L7;

/// <summary>
/// The proxy's view of one resolved <see cref="PolicySnapshot"/> (immutable;
/// swapped whole per regeneration): the redirect's rules for the peer, with the
/// egress-then-local-ingress composition of <see cref="RedirectRules"/>.
/// </summary>
internal sealed class SnapshotProxyPolicy(PolicySnapshot snapshot) : IProxyPolicy
{
    private readonly RedirectRules _rules = new(snapshot);

    public L7RuleSet? GetRules(RedirectKey key, uint remoteIdentity) =>
        _rules.Get(key.EndpointId, key.Direction, key.Port, key.Protocol, remoteIdentity);
}
