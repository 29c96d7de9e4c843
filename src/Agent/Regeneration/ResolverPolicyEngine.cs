using System.Globalization;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Identity;
using CiliumL7.Agent.Policies;
using CiliumL7.Client.Models;
using CiliumL7.Policy;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Agent.Regeneration;

/// <summary>
/// The policy engine of issue 2 behind <see cref="IPolicyEngine"/>: parses the
/// documents in force (cached by content), resolves them for the node's
/// endpoints with the shared identity allocator, and distills each endpoint's
/// <see cref="EndpointPolicy"/> into policy-map entries; redirect entries get a
/// proxy port per (endpoint, direction, port).
/// </summary>
internal sealed class ResolverPolicyEngine : IPolicyEngine
{
    private readonly EndpointManager _endpoints;
    private readonly ProxyPortAllocator _proxyPorts;
    private readonly Dictionary<(string Source, string Yaml), IReadOnlyList<PolicyResource>> _parsed = [];

    public ResolverPolicyEngine(EndpointManager endpoints, ProxyPortAllocator proxyPorts)
    {
        _endpoints = endpoints;
        _proxyPorts = proxyPorts;
    }

    /// <summary>Warnings about the policies in force (toFQDNs without a DNS rule), for <c>status</c> and the log.</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>The identities of learned names (the FQDN cache), for <c>toFQDNs</c>; null selects nothing.</summary>
    public IFqdnIdentities? Fqdns { get; set; }

    /// <summary>The node's own addresses, mapped to the identity host in the ipcache (null: none).</summary>
    public Datapath.NodeAddresses? NodeAddresses { get; set; }

    /// <summary>Audit every policy on every endpoint (<c>--policy-audit-mode</c>).</summary>
    public bool AuditAll { get; init; }

    public PolicyComputation Compute(IReadOnlyList<PolicyDocument> policies, IReadOnlyList<EndpointModel> endpoints)
    {
        // :: Step 1: the resources of each document (documents were validated when they were accepted).
        var resources = new List<PolicyResource>();
        var live = new HashSet<(string, string)>();
        foreach (var doc in policies)
        {
            var key = (doc.Source, doc.Yaml);
            live.Add(key);
            if (!_parsed.TryGetValue(key, out var parsed))
            {
                // Read by validation when the document was accepted (named after its source then, e.g. the
                // imported file); read here only when restored from the state file.
                parsed = doc.Resources is { } read
                    ? [.. read.Select(r => r.Source == doc.Source ? r : r with { Source = doc.Source })]
                    : PolicyParser.ParseText(doc.Yaml, doc.Source).Resources;
                _parsed[key] = parsed;
            }
            resources.AddRange(parsed);
        }
        foreach (var stale in _parsed.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _parsed.Remove(stale);
        }

        Warnings = FqdnWarnings.Check(resources);

        // :: Step 2: resolve for the local endpoints.
        var infos = new List<EndpointInfo>(endpoints.Count);
        foreach (var e in endpoints)
        {
            var labels = new LabelSet(EndpointLabels.SecurityRelevant(e.Labels).Select(l => Label.Parse(l)));
            infos.Add(new EndpointInfo((uint)e.Id, e.Namespace, e.Name, labels, (uint)e.Identity) { Audit = AuditAll || e.PolicyAuditMode });
        }
        var snapshot = PolicyResolver.Resolve(resources, infos, _endpoints.Allocator, Fqdns);

        // :: Step 3: map entries per endpoint; proxy ports for redirects.
        var states = new Dictionary<int, EndpointMapState>();
        var redirects = new List<RedirectSpec>();
        foreach (var e in endpoints)
        {
            var policy = snapshot.GetEndpoint((uint)e.Id);
            if (policy is null)
            {
                states[e.Id] = EndpointMapState.Empty(e.Id);
                continue;
            }
            var entries = new List<PolicyMapEntrySpec>(policy.Entries.Length);
            foreach (var entry in policy.Entries)
            {
                ushort proxyPort = 0;
                if (entry.Action == PolicyAction.Redirect)
                {
                    var protocol = entry.Protocol == 0 ? (byte)6 : entry.Protocol;
                    proxyPort = _proxyPorts.Get(e.Id, entry.Direction, entry.Port, protocol);
                    if (!redirects.Any(r => r.EndpointId == e.Id && r.Direction == entry.Direction && r.Port == entry.Port && r.Protocol == protocol))
                    {
                        redirects.Add(new RedirectSpec(e.Id, entry.Direction, entry.Port, protocol, entry.Parser, proxyPort));
                    }
                }
                entries.Add(new PolicyMapEntrySpec(
                    entry.Direction,
                    entry.RemoteIdentity,
                    entry.Protocol,
                    entry.Port,
                    entry.EndPort == entry.Port ? (ushort)0 : entry.EndPort,
                    entry.Action,
                    proxyPort,
                    entry.PolicyName));
            }
            foreach (var entry in policy.AuditEntries)
            {
                // Audited policies beside enforcing ones only report: a redirect is an allow at L3/L4
                // (their L7 rules are judged where the enforcing side redirects the same port, which the
                // resolver arranges when the enforcing policy allows it at L3/L4 only: AuditRedirects).
                entries.Add(new PolicyMapEntrySpec(
                    entry.Direction,
                    entry.RemoteIdentity,
                    entry.Protocol,
                    entry.Port,
                    entry.EndPort == entry.Port ? (ushort)0 : entry.EndPort,
                    entry.Action == PolicyAction.Deny ? PolicyAction.Deny : PolicyAction.Allow,
                    0,
                    entry.PolicyName) { AuditBeside = true });
            }
            states[e.Id] = new EndpointMapState(e.Id, policy.IngressEnforced, policy.EgressEnforced, entries)
            {
                IngressAudit = policy.Audit.Ingress,
                EgressAudit = policy.Audit.Egress,
                IngressAuditBeside = policy.Audit.IngressBeside,
                EgressAuditBeside = policy.Audit.EgressBeside,
            };
        }
        _proxyPorts.Retain(redirects);
        return new PolicyComputation(states, redirects, WithNodeAddresses(snapshot.CidrIdentities), snapshot);
    }

    /// <summary>
    /// The policies' CIDR identities plus each node address as a /32 of identity host: traffic from the node
    /// is the host's, whatever CIDR a policy names around it (the /32 is the longest prefix; it wins).
    /// </summary>
    private IReadOnlyDictionary<System.Net.IPNetwork, uint> WithNodeAddresses(IReadOnlyDictionary<System.Net.IPNetwork, uint> cidrs)
    {
        if (NodeAddresses is not { Current: { Count: > 0 } addresses })
        {
            return cidrs;
        }
        var merged = new Dictionary<System.Net.IPNetwork, uint>(cidrs);
        foreach (var ip in addresses)
        {
            merged[new System.Net.IPNetwork(ip, 32)] = ReservedIdentity.Host;
        }
        return merged;
    }

    /// <summary>A stable cookie for a policy name (reported by the datapath in events).</summary>
    public static uint Cookie(string? policyName)
    {
        if (string.IsNullOrEmpty(policyName))
        {
            return 0;
        }
        var hash = 2166136261u;
        foreach (var c in policyName)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash == 0 ? 1 : hash;
    }

}
