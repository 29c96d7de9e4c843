using System.Collections.Frozen;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Hubble.Flows;
using HubblePolicy = CiliumL7.Hubble.Api.Policy;

namespace CiliumL7.Agent.Observability;

/// <summary>
/// Rule cookie → deciding policy, for naming the policy of datapath events.
/// The cookie written with each policy map entry is a hash of the policy name
/// (<see cref="ResolverPolicyEngine.Cookie"/>), so the names hashed at each
/// regeneration are recorded here. The map is an immutable snapshot swapped
/// atomically; the previous regeneration's names stay resolvable too, for
/// events already in flight when a policy goes away.
/// </summary>
internal sealed class PolicyCookieNames
{
    private Snapshot _snapshot = new(FrozenDictionary<uint, HubblePolicy>.Empty);
    private FrozenDictionary<(uint Endpoint, bool Ingress), HubblePolicy[]> _audited = FrozenDictionary<(uint, bool), HubblePolicy[]>.Empty;

    /// <summary>Records the policy names of one regeneration (replaces the names of the one before last).</summary>
    public void Update(IEnumerable<string?> policyNames)
    {
        var previous = Volatile.Read(ref _snapshot);
        var next = new Dictionary<uint, HubblePolicy>();
        foreach (var name in policyNames)
        {
            var cookie = ResolverPolicyEngine.Cookie(name);
            if (cookie != 0 && !next.ContainsKey(cookie))
            {
                next[cookie] = ToPolicy(name!);
            }
        }
        var current = next.ToFrozenDictionary();
        foreach (var (cookie, policy) in previous.Current)
        {
            next.TryAdd(cookie, policy);
        }
        Volatile.Write(ref _snapshot, new Snapshot(current, next.ToFrozenDictionary()));
    }

    /// <summary>Records the policy names of every entry of a computation.</summary>
    public void Update(PolicyComputation computation)
    {
        var names = new HashSet<string?>(StringComparer.Ordinal);
        foreach (var state in computation.Endpoints.Values)
        {
            foreach (var entry in state.Entries)
            {
                names.Add(entry.PolicyName);
            }
        }
        Update(names);
        var audited = new Dictionary<(uint, bool), HubblePolicy[]>();
        foreach (var (id, policy) in computation.Snapshot?.Endpoints ?? [])
        {
            if (policy.Audit.Ingress || policy.Audit.IngressBeside)
            {
                audited[(id, true)] = [.. policy.Audit.IngressPolicies.Select(ToPolicy)];
            }
            if (policy.Audit.Egress || policy.Audit.EgressBeside)
            {
                audited[(id, false)] = [.. policy.Audit.EgressPolicies.Select(ToPolicy)];
            }
        }
        Volatile.Write(ref _audited, audited.ToFrozenDictionary());
    }

    /// <summary>Every audited policy with the endpoint directions it audits: <c>default/strict: ingress of endpoints 1, 2</c>.</summary>
    public IReadOnlyList<string> AuditedSummary()
    {
        var by = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var ((endpoint, ingress), policies) in Volatile.Read(ref _audited))
        {
            foreach (var p in policies)
            {
                var name = string.IsNullOrEmpty(p.Namespace) ? p.Name : p.Namespace + "/" + p.Name;
                if (!by.TryGetValue(name, out var where))
                {
                    by[name] = where = new SortedSet<string>(StringComparer.Ordinal);
                }
                where.Add((ingress ? "ingress" : "egress") + " of endpoint " + endpoint.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return [.. by.Select(kv => kv.Key + ": " + string.Join(", ", kv.Value))];
    }

    /// <summary>The audited policies that decide <paramref name="endpointId"/>'s direction (for AUDIT flows without a deny cookie).</summary>
    public IReadOnlyList<HubblePolicy> Audited(uint endpointId, bool ingress)
        => Volatile.Read(ref _audited).TryGetValue((endpointId, ingress), out var list) ? list : [];

    /// <summary>The policy whose entry carried <paramref name="cookie"/>, if known.</summary>
    public bool TryGet(uint cookie, out HubblePolicy policy)
    {
        if (cookie != 0 && Volatile.Read(ref _snapshot).Lookup.TryGetValue(cookie, out var found))
        {
            policy = found;
            return true;
        }
        policy = null!;
        return false;
    }

    /// <summary>"ns/name" is a namespaced CiliumNetworkPolicy; a bare name a clusterwide one.</summary>
    private static HubblePolicy ToPolicy(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? FlowBuilder.Policy(name, "", "CiliumClusterwideNetworkPolicy")
            : FlowBuilder.Policy(name[(slash + 1)..], name[..slash]);
    }

    private sealed class Snapshot
    {
        public Snapshot(FrozenDictionary<uint, HubblePolicy> current, FrozenDictionary<uint, HubblePolicy>? lookup = null)
        {
            Current = current;
            Lookup = lookup ?? current;
        }

        /// <summary>This regeneration's names only.</summary>
        public FrozenDictionary<uint, HubblePolicy> Current { get; }

        /// <summary>This and the previous regeneration's names.</summary>
        public FrozenDictionary<uint, HubblePolicy> Lookup { get; }
    }
}
