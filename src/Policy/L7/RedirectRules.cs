using System.Collections.Concurrent;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.L7;

/// <summary>
/// The L7 rule set a proxy redirect applies, read from one resolved
/// <see cref="PolicySnapshot"/> (immutable; build one per snapshot).
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
public sealed class RedirectRules
{
    private readonly PolicySnapshot _snapshot;
    private readonly Dictionary<uint, EndpointPolicy> _byIdentity = [];
    private readonly ConcurrentDictionary<Key, L7RuleSet?> _egressToLocal = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<L7RuleSet, L7RuleSet> _audited = [];
    private readonly ConcurrentDictionary<SetPair, L7RuleSet> _besides = new();

    /// <summary>Indexes <paramref name="snapshot"/>'s ingress-enforced endpoints by identity.</summary>
    public RedirectRules(PolicySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _snapshot = snapshot;
        foreach (var endpoint in snapshot.Endpoints.Values)
        {
            if (endpoint.IngressEnforced)
            {
                _byIdentity.TryAdd(endpoint.Identity, endpoint);
            }
        }
    }

    /// <summary>The snapshot the rules are read from.</summary>
    public PolicySnapshot Snapshot => _snapshot;

    /// <summary>
    /// The rules for traffic of endpoint <paramref name="endpointId"/> in
    /// <paramref name="direction"/> on <paramref name="proto"/>/<paramref name="port"/>
    /// whose remote peer has <paramref name="remoteIdentity"/>; null when nothing allows that peer (deny).
    /// </summary>
    public L7RuleSet? Get(uint endpointId, TrafficDirection direction, ushort port, byte proto, uint remoteIdentity)
    {
        var rules = GetEnforced(endpointId, direction, port, proto, remoteIdentity);
        if (rules is null || _snapshot.GetEndpoint(endpointId) is not { } endpoint || !endpoint.Audit.Any(direction))
        {
            return rules;
        }
        if (endpoint.IsAudited(direction))
        {
            // Audit mode: judged as enforced; a deny is let through and reported as AUDIT.
            return _audited.GetValue(rules, static r => r.AsAudit());
        }
        // Audited policies beside enforcing ones: what the enforcing rules allow is judged by the
        // audited rules too, in audit mode (a would-be deny is forwarded and reported as AUDIT).
        var beside = endpoint.GetAuditRules(direction, port, proto, remoteIdentity);
        if (beside is null || beside.Parser != rules.Parser)
        {
            return rules; // the audited policies have no rules of this protocol here: their L3/L4 verdict was reported by the datapath
        }
        return _besides.GetOrAdd(new SetPair(rules, beside), static p => p.Enforcing.AndThen(p.Audited.AsAudit()));
    }

    private L7RuleSet? GetEnforced(uint endpointId, TrafficDirection direction, ushort port, byte proto, uint remoteIdentity)
    {
        var source = _snapshot.GetEndpoint(endpointId);
        var rules = source?.GetRules(direction, port, proto, remoteIdentity);
        if (rules is null || direction != TrafficDirection.Egress || !_byIdentity.ContainsKey(remoteIdentity))
        {
            return rules;
        }
        return _egressToLocal.GetOrAdd(
            new Key(endpointId, port, proto, remoteIdentity),
            static (k, state) => state.Self.WithDestinationIngress(state.Rules, state.Source, k),
            (Self: this, Rules: rules, Source: source!));
    }

    /// <summary>As <see cref="Get"/>, for one protocol: a set of another protocol is null (deny).</summary>
    public TSet? Get<TSet>(uint endpointId, TrafficDirection direction, ushort port, byte proto, uint remoteIdentity)
        where TSet : L7RuleSet => Get(endpointId, direction, port, proto, remoteIdentity) as TSet;

    private L7RuleSet WithDestinationIngress(L7RuleSet egress, EndpointPolicy source, Key key)
    {
        var destination = _byIdentity[key.Remote];
        var entry = destination.Lookup(TrafficDirection.Ingress, source.Identity, key.Proto, key.Port);
        if (entry is not { Action: PolicyAction.Redirect })
        {
            return egress; // the datapath's L3/L4 verdict at the source covered the destination's ingress
        }
        var ingress = destination.GetRules(TrafficDirection.Ingress, key.Port, key.Proto, source.Identity);
        if (ingress is null || ingress.Parser != egress.Parser)
        {
            ingress = L7RuleSet.DenyAllOf(egress.Parser);
        }
        if (destination.IsAudited(TrafficDirection.Ingress))
        {
            ingress = ingress.AsAudit(); // the destination audits its ingress: its denies are forwarded and reported
        }
        else if (destination.Audit.IngressBeside
            && destination.GetAuditRules(TrafficDirection.Ingress, key.Port, key.Proto, source.Identity) is { } audited && audited.Parser == ingress.Parser)
        {
            ingress = ingress.AndThen(audited.AsAudit()); // the destination's audited policies judge what its enforcing ones allow
        }
        return egress.AndThen(ingress);
    }

    private readonly record struct Key(uint EndpointId, ushort Port, byte Proto, uint Remote);

    /// <summary>Two sets by reference (a snapshot's sets are immutable and shared, so the pairs are few).</summary>
    private readonly struct SetPair(L7RuleSet enforcing, L7RuleSet audited) : IEquatable<SetPair>
    {
        public L7RuleSet Enforcing { get; } = enforcing;

        public L7RuleSet Audited { get; } = audited;

        public bool Equals(SetPair other) => ReferenceEquals(Enforcing, other.Enforcing) && ReferenceEquals(Audited, other.Audited);

        public override bool Equals(object? obj) => obj is SetPair other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(
            System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Enforcing), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Audited));
    }
}
