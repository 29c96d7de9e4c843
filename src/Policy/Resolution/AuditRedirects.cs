using System.Runtime.InteropServices;
using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// Audited L7 rules beside an enforcing policy that allows their port at L3/L4 only:
/// without a redirect no proxy would ever see that traffic, so the audited rules
/// would never be judged. For each such peer and port the enforcing side gets a
/// redirect (<see cref="L4PolicyEntry.ForAudit"/>) whose L7 set allows everything,
/// attributed to the enforcing policy that allowed the port; the proxy chains the
/// audited set after it (<see cref="RedirectRules"/>), so every request is forwarded
/// as before and one the audited rules would deny is reported as AUDIT.
/// <code>
///  audited L7 set (dir, proto, port, peer P; 0 = any)
///   └─ peers to check: P, or (P = 0) any peer and every peer an enforcing entry names
///        └─ enforcing lookup = Allow  ──▶ + Redirect (peer, proto/port) + allow-all L7 set
///           (Redirect: judged already; Deny / none: dropped — deny wins, nothing to judge)
/// </code>
/// </summary>
internal static class AuditRedirects
{
    /// <summary>Adds the redirects and allow-all sets for <paramref name="direction"/> to <paramref name="entries"/> and <paramref name="l7"/>.</summary>
    public static void Add(TrafficDirection direction, List<L4PolicyEntry> entries, Dictionary<L7Key, L7RuleSet> l7, Dictionary<L7Key, L7RuleSet> auditL7)
    {
        var added = new List<L4PolicyEntry>();
        var replaced = new List<L4PolicyEntry>();
        foreach (var (key, set) in auditL7)
        {
            if (key.Direction != direction)
            {
                continue;
            }
            foreach (var peer in PeersOf(key, entries, auditL7))
            {
                var decided = EndpointPolicy.LookupIn(CollectionsMarshal.AsSpan(entries), direction, peer, key.Protocol, key.Port);
                if (decided is not { Action: PolicyAction.Allow } allow || l7.ContainsKey(key with { RemoteIdentity = peer }))
                {
                    continue;
                }
                var e = allow;
                var redirect = new L4PolicyEntry(direction, peer, key.Protocol, key.Port, key.Port, PolicyAction.Redirect, set.Parser, e.PolicyName)
                {
                    RulePath = e.RulePath,
                    ForAudit = true,
                };
                // One map key holds one entry: an allow of exactly this peer and port becomes the redirect.
                var same = e.RemoteIdentity == peer && e.Protocol == key.Protocol && e.Port == key.Port && e.EndPort == key.Port;
                (same ? replaced : added).Add(same ? e : redirect);
                if (same)
                {
                    added.Add(redirect);
                }
                l7[key with { RemoteIdentity = peer }] = L7RuleSet.AllowAllOf(set.Parser, e.PolicyName);
            }
        }
        foreach (var e in replaced)
        {
            entries.Remove(e);
        }
        entries.AddRange(added);
    }

    /// <summary>
    /// The peers an audited set applies to whose enforcing verdict may differ: its own peer, or for a
    /// set for any peer, any peer plus every peer named by an enforcing entry in that direction (minus
    /// those with an audited set of their own, which are checked by that set).
    /// </summary>
    private static IEnumerable<uint> PeersOf(L7Key key, List<L4PolicyEntry> entries, Dictionary<L7Key, L7RuleSet> auditL7)
    {
        if (key.RemoteIdentity != 0)
        {
            return [key.RemoteIdentity];
        }
        var peers = new SortedSet<uint> { 0 };
        foreach (var e in entries)
        {
            if (e.Direction == key.Direction && e.RemoteIdentity != 0 && e.CoversProtocol(key.Protocol) && e.CoversPort(key.Port)
                && !auditL7.ContainsKey(key with { RemoteIdentity = e.RemoteIdentity }))
            {
                peers.Add(e.RemoteIdentity);
            }
        }
        return peers;
    }
}
