using System.Collections.Immutable;
using System.Net;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// Resolves policies + endpoints to a <see cref="PolicySnapshot"/>:
/// <code>
///  rules ──selectors──▶ subjects (local identities) × contributions (peers × ports × L7)
///        ──DirectionBuilder──▶ per identity: entries + L7 sets ──▶ per endpoint
/// </code>
/// Selectors expand to the identities known to the allocator (plus reserved
/// ones for entities). Pure: the only side effect is allocating CIDR identities.
/// </summary>
public static class PolicyResolver
{
    private static long s_revision;

    /// <summary>Resolves <paramref name="policies"/> for <paramref name="endpoints"/>.</summary>
    public static PolicySnapshot Resolve(IReadOnlyList<PolicyResource> policies, IReadOnlyList<EndpointInfo> endpoints, IIdentityAllocator identities)
    {
        // :: Step 1: CIDR identities for every CIDR peer (so that LPM in the ipcache finds them).
        foreach (var policy in policies)
        {
            foreach (var rule in policy.Rules)
            {
                AllocateCidrs(rule, identities);
            }
        }
        var cidrs = identities.Cidrs;

        // :: Step 2: the universe of peers (allocated + local endpoints + reserved) and the local subjects.
        var universe = new Dictionary<uint, LabelSet>(identities.All);
        var locals = new Dictionary<uint, LabelSet>();
        foreach (var ep in endpoints)
        {
            universe.TryAdd(ep.Identity, ep.Labels);
            locals.TryAdd(ep.Identity, ep.Labels);
        }
        foreach (var id in ReservedIdentity.Names.Keys)
        {
            universe[id] = ReservedIdentity.LabelsOf(id);
        }
        var ctx = new ResolveContext(new IdentityIndex(universe), new IdentityIndex(locals), cidrs, universe);

        // :: Step 3: contributions per rule, applied to every subject it selects.
        var builders = new Dictionary<uint, (DirectionBuilder Ingress, DirectionBuilder Egress)>();
        var sets = new L7SetCache();
        foreach (var policy in policies)
        {
            var scope = policy.IsClusterwide ? null : policy.Namespace ?? "default";
            foreach (var rule in policy.Rules)
            {
                if (rule.EndpointSelector is null)
                {
                    continue; // nodeSelector (host policies) is not enforced on pods
                }
                var subjects = ctx.Locals.Select(rule.EndpointSelector, NamespaceScope.For(rule.EndpointSelector, scope, clusterwidePeer: false));
                if (subjects.Length == 0)
                {
                    continue;
                }
                var contributions = ContributionFactory.Create(policy, rule, ctx);
                foreach (var subject in subjects)
                {
                    if (!builders.TryGetValue(subject, out var b))
                    {
                        builders[subject] = b = (new DirectionBuilder(TrafficDirection.Ingress, sets), new DirectionBuilder(TrafficDirection.Egress, sets));
                    }
                    b.Ingress.Enforced |= rule.EnforcesIngress;
                    b.Egress.Enforced |= rule.EnforcesEgress;
                    foreach (var c in contributions)
                    {
                        (c.Direction == TrafficDirection.Ingress ? b.Ingress : b.Egress).Add(c);
                    }
                }
            }
        }

        // :: Step 4: distil per identity, then hand each endpoint its identity's result.
        var perIdentity = new Dictionary<uint, (bool In, bool Eg, ImmutableArray<L4PolicyEntry> Entries, Dictionary<L7Key, L7RuleSet> L7)>();
        var result = ImmutableDictionary.CreateBuilder<uint, EndpointPolicy>();
        foreach (var ep in endpoints)
        {
            if (!perIdentity.TryGetValue(ep.Identity, out var resolved))
            {
                resolved = Distil(builders.TryGetValue(ep.Identity, out var b) ? b : null, sets);
                perIdentity[ep.Identity] = resolved;
            }
            result[ep.Id] = new EndpointPolicy(ep.Id, ep.Identity, resolved.In, resolved.Eg, resolved.Entries, resolved.L7);
        }
        var cidrMap = ImmutableDictionary.CreateRange(cidrs);
        return new PolicySnapshot(Interlocked.Increment(ref s_revision), result.ToImmutable(), cidrMap, [.. policies]);
    }

    private static (bool, bool, ImmutableArray<L4PolicyEntry>, Dictionary<L7Key, L7RuleSet>) Distil((DirectionBuilder Ingress, DirectionBuilder Egress)? builders, L7SetCache sets)
    {
        var entries = new List<L4PolicyEntry>();
        var l7 = new Dictionary<L7Key, L7RuleSet>();
        var ingress = builders?.Ingress ?? new DirectionBuilder(TrafficDirection.Ingress, sets);
        var egress = builders?.Egress ?? new DirectionBuilder(TrafficDirection.Egress, sets);
        ingress.Emit(entries, l7);
        egress.Emit(entries, l7);
        entries.Sort(static (a, b) =>
        {
            var c = a.Direction.CompareTo(b.Direction);
            if (c == 0) c = a.Protocol.CompareTo(b.Protocol);
            if (c == 0) c = a.Port.CompareTo(b.Port);
            if (c == 0) c = a.EndPort.CompareTo(b.EndPort);
            if (c == 0) c = a.RemoteIdentity.CompareTo(b.RemoteIdentity);
            return c;
        });
        return (ingress.Enforced, egress.Enforced, [.. entries], l7);
    }

    private static void AllocateCidrs(Rule rule, IIdentityAllocator identities)
    {
        void One(string text)
        {
            if (CidrParsing.TryParse(text, out var prefix))
            {
                identities.GetOrAllocateCidr(prefix);
            }
        }
        void Sets(IReadOnlyList<string>? cidrs, IReadOnlyList<CidrRule>? sets)
        {
            foreach (var c in cidrs ?? [])
            {
                One(c);
            }
            foreach (var s in sets ?? [])
            {
                One(s.Cidr);
                foreach (var e in s.Except)
                {
                    One(e);
                }
            }
        }
        foreach (var r in rule.Ingress ?? [])
        {
            Sets(r.FromCidr, r.FromCidrSet);
        }
        foreach (var r in rule.IngressDeny ?? [])
        {
            Sets(r.FromCidr, r.FromCidrSet);
        }
        foreach (var r in rule.Egress ?? [])
        {
            Sets(r.ToCidr, r.ToCidrSet);
        }
        foreach (var r in rule.EgressDeny ?? [])
        {
            Sets(r.ToCidr, r.ToCidrSet);
        }
    }
}
