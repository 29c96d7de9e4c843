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
    /// <param name="policies">The resources in force.</param>
    /// <param name="endpoints">The local endpoints.</param>
    /// <param name="identities">The allocator (CIDR identities are allocated in it).</param>
    /// <param name="fqdns">The identities of learned names, for <c>toFQDNs</c> (null: toFQDNs selects nothing).</param>
    public static PolicySnapshot Resolve(IReadOnlyList<PolicyResource> policies, IReadOnlyList<EndpointInfo> endpoints, IIdentityAllocator identities, IFqdnIdentities? fqdns = null)
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
        var ctx = new ResolveContext(new IdentityIndex(universe), new IdentityIndex(locals), cidrs, universe, fqdns);

        // :: Step 3: contributions per rule, applied to every subject it selects.
        // Three builders per identity: the enforcing policies, the audited ones, and
        // (only when some endpoint audits everything) all of them.
        var builders = new Dictionary<uint, IdentityBuilders>();
        var sets = new L7SetCache();
        var anyEndpointAudit = endpoints.Any(e => e.Audit);
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
                        builders[subject] = b = new IdentityBuilders(sets, anyEndpointAudit);
                    }
                    b.Add(policy, rule, contributions);
                }
            }
        }

        // :: Step 4: distil per identity (and audit mode), then hand each endpoint its identity's result.
        var perIdentity = new Dictionary<(uint, bool), Distilled>();
        var result = ImmutableDictionary.CreateBuilder<uint, EndpointPolicy>();
        foreach (var ep in endpoints)
        {
            if (!perIdentity.TryGetValue((ep.Identity, ep.Audit), out var resolved))
            {
                resolved = Distil(builders.TryGetValue(ep.Identity, out var b) ? b : null, sets, ep.Audit);
                perIdentity[(ep.Identity, ep.Audit)] = resolved;
            }
            result[ep.Id] = new EndpointPolicy(ep.Id, ep.Identity, resolved.In, resolved.Eg, resolved.Entries, resolved.L7, resolved.Audit, resolved.Fqdn, resolved.EgressDeny)
            {
                AuditEntries = resolved.AuditEntries,
                AuditL7 = resolved.AuditL7,
            };
        }
        var cidrMap = ImmutableDictionary.CreateRange(cidrs);
        return new PolicySnapshot(Interlocked.Increment(ref s_revision), result.ToImmutable(), cidrMap, [.. policies]);
    }

    /// <summary>
    /// Picks, per direction, what the endpoint enforces: the enforcing policies when
    /// one selects it (audited ones then never widen it: they are distilled beside,
    /// to report what they would drop); else the audited policies, in audit mode; an
    /// endpoint that audits everything gets all of them in audit mode.
    /// </summary>
    private static Distilled Distil(IdentityBuilders? builders, L7SetCache sets, bool endpointAudit)
    {
        var entries = new List<L4PolicyEntry>();
        var l7 = new Dictionary<L7Key, L7RuleSet>();
        var auditEntries = new List<L4PolicyEntry>();
        var auditL7 = new Dictionary<L7Key, L7RuleSet>();
        var (ingress, ingressAudit, ingressBy, ingressBeside) = builders?.Choose(TrafficDirection.Ingress, endpointAudit) ?? (new DirectionBuilder(TrafficDirection.Ingress, sets), false, [], null);
        var (egress, egressAudit, egressBy, egressBeside) = builders?.Choose(TrafficDirection.Egress, endpointAudit) ?? (new DirectionBuilder(TrafficDirection.Egress, sets), false, [], null);
        ingress.Emit(entries, l7);
        egress.Emit(entries, l7);
        ingressBeside?.Emit(auditEntries, auditL7);
        egressBeside?.Emit(auditEntries, auditL7);
        if (ingressBeside is not null)
        {
            AuditRedirects.Add(TrafficDirection.Ingress, entries, l7, auditL7);
        }
        if (egressBeside is not null)
        {
            AuditRedirects.Add(TrafficDirection.Egress, entries, l7, auditL7);
        }
        entries.Sort(CompareEntries);
        auditEntries.Sort(CompareEntries);
        var anyAudit = ingressAudit || egressAudit || ingressBeside is not null || egressBeside is not null;
        var audit = anyAudit
            ? new AuditState(ingressAudit, egressAudit, ingressAudit || ingressBeside is not null ? ingressBy : [], egressAudit || egressBeside is not null ? egressBy : [])
            {
                IngressBeside = ingressBeside is not null,
                EgressBeside = egressBeside is not null,
            }
            : AuditState.None;
        return new Distilled(ingress.Enforced, egress.Enforced, [.. entries], l7, audit, [.. auditEntries], auditL7, [.. egress.FqdnAllows], egress.HasDeny);
    }

    private static int CompareEntries(L4PolicyEntry a, L4PolicyEntry b)
    {
        var c = a.Direction.CompareTo(b.Direction);
        if (c == 0) c = a.Protocol.CompareTo(b.Protocol);
        if (c == 0) c = a.Port.CompareTo(b.Port);
        if (c == 0) c = a.EndPort.CompareTo(b.EndPort);
        if (c == 0) c = a.RemoteIdentity.CompareTo(b.RemoteIdentity);
        return c;
    }

    private sealed record Distilled(bool In, bool Eg, ImmutableArray<L4PolicyEntry> Entries, Dictionary<L7Key, L7RuleSet> L7, AuditState Audit,
        ImmutableArray<L4PolicyEntry> AuditEntries, Dictionary<L7Key, L7RuleSet> AuditL7, IReadOnlyList<FqdnAllow> Fqdn, bool EgressDeny);

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
