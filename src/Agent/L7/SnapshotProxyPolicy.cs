using System.Collections.Concurrent;
using CiliumL7.Policy;
using CiliumL7.Policy.L7;
using CiliumL7.Policy.Resolution;
using CiliumL7.Proxy;

namespace CiliumL7.Agent.L7;

/// <summary>
/// The proxy's view of one resolved <see cref="PolicySnapshot"/> (immutable;
/// swapped whole per regeneration).
/// <para>
/// Pod to pod with L7 rules on both sides: the datapath redirects such a
/// connection once, to the source's egress proxy port, and passes the
/// proxy's upstream at the destination. So the rules of an egress redirect
/// toward a local endpoint whose ingress redirects the same port are the
/// source's egress rules AND THEN the destination's ingress rules for the
/// source (no ingress rules for it = deny, as at the ingress proxy).
/// Endpoints with one identity share one resolved policy, so the destination
/// is found by the remote identity.
/// </para>
/// </summary>
internal sealed class SnapshotProxyPolicy : IProxyPolicy
{
    private const byte Tcp = 6;
    private static readonly HttpRuleSet DenyAll = new([], null);
    private readonly PolicySnapshot _snapshot;
    private readonly Dictionary<uint, EndpointPolicy> _byIdentity = [];
    private readonly ConcurrentDictionary<(RedirectKey Key, uint Remote), HttpRuleSet?> _egressToLocal = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpRuleSet, HttpRuleSet> _audited = [];

    public SnapshotProxyPolicy(PolicySnapshot snapshot)
    {
        _snapshot = snapshot;
        foreach (var endpoint in snapshot.Endpoints.Values)
        {
            if (endpoint.IngressEnforced)
            {
                _byIdentity.TryAdd(endpoint.Identity, endpoint);
            }
        }
    }

    public HttpRuleSet? GetHttpRules(RedirectKey key, uint remoteIdentity)
    {
        var source = _snapshot.GetEndpoint(key.EndpointId);
        var rules = source?.GetHttpRules(key.Direction, key.Port, Tcp, remoteIdentity);
        if (source is not null && source.IsAudited(key.Direction))
        {
            // Audit mode: judged as enforced, a deny is let through and reported as AUDIT.
            return _audited.GetValue(rules ?? DenyAll, static r => r.AsAudit());
        }
        if (rules is null || key.Direction != TrafficDirection.Egress || !_byIdentity.ContainsKey(remoteIdentity))
        {
            return rules;
        }
        return _egressToLocal.GetOrAdd((key, remoteIdentity), static (k, state) => state.Self.WithDestinationIngress(state.Rules, state.Source, k.Key.Port, k.Remote), (Self: this, Rules: rules, Source: source!));
    }

    private HttpRuleSet WithDestinationIngress(HttpRuleSet egress, EndpointPolicy source, ushort port, uint destinationIdentity)
    {
        var destination = _byIdentity[destinationIdentity];
        var entry = destination.Lookup(TrafficDirection.Ingress, source.Identity, Tcp, port);
        if (entry is not { Action: PolicyAction.Redirect })
        {
            return egress; // the datapath's L3/L4 verdict at the source covered the destination's ingress
        }
        var ingress = destination.GetHttpRules(TrafficDirection.Ingress, port, Tcp, source.Identity) ?? DenyAll;
        return egress.AndThen(ingress);
    }
}
