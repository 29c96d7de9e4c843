using System.Net;
using CiliumL7.Agent.Datapath;
using CiliumL7.Policy;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Agent.Regeneration;

/// <summary>
/// The policy-map entries that learned addresses add, computed from the last
/// resolution without resolving again (Cilium's selector cache: selector →
/// identities). Only the cases where the result equals the full resolution's are
/// planned; anything else returns null and the caller resolves everything:
/// <code>
///  for each endpoint:  entries naming world / a CIDR around the address ─► null (the ipcache change would move them)
///                      toFQDNs allows whose selectors match a name:
///                        a deny in the egress, L7 rules, or a port an L7 redirect overlaps ─► null
///                        else  Allow(egress, identity, proto, port) per port
/// </code>
/// </summary>
internal static class FqdnIncrementalPlan
{
    /// <summary>Per endpoint id, the entries to add; null when only a full resolution is exact.</summary>
    public static Dictionary<int, List<PolicyMapEntrySpec>>? Create(PolicyComputation computation, IReadOnlyList<FqdnLearnedAddress> learned, Func<FqdnSelector, IReadOnlyList<string>, bool> selects)
    {
        if (computation.Snapshot is not { } snapshot)
        {
            return null;
        }
        // :: Step 1: identities an ipcache change to these addresses would take traffic away from.
        var moved = new HashSet<uint> { ReservedIdentity.World, ReservedIdentity.WorldIpv4, ReservedIdentity.WorldIpv6 };
        foreach (var (prefix, id) in computation.CidrIdentities)
        {
            foreach (var l in learned)
            {
                if (prefix.Contains(l.Address) && prefix != l.Prefix)
                {
                    moved.Add(id);
                }
            }
        }
        var plan = new Dictionary<int, List<PolicyMapEntrySpec>>();
        foreach (var (endpointId, state) in computation.Endpoints)
        {
            foreach (var e in state.Entries)
            {
                if (moved.Contains(e.Identity))
                {
                    return null;
                }
            }
            if (snapshot.GetEndpoint((uint)endpointId) is not { FqdnAllows.Count: > 0 } policy)
            {
                continue;
            }
            // :: Step 2: the toFQDNs allows whose selectors match a learned name add an entry per port.
            foreach (var allow in policy.FqdnAllows)
            {
                foreach (var l in learned)
                {
                    if (!Selected(allow, l.Names, selects))
                    {
                        continue;
                    }
                    if (policy.EgressHasDeny || allow.Parser != L7Parser.None || (allow.Port != 0 && RedirectOverlaps(state, allow)))
                    {
                        return null; // deny precedence or the proxy's rule sets need the full resolution
                    }
                    if (!plan.TryGetValue(endpointId, out var list))
                    {
                        plan[endpointId] = list = [];
                    }
                    var spec = new PolicyMapEntrySpec(TrafficDirection.Egress, l.Identity, allow.Protocol, allow.Port,
                        allow.EndPort == allow.Port ? (ushort)0 : allow.EndPort, PolicyAction.Allow, 0, allow.PolicyName);
                    if (!list.Contains(spec))
                    {
                        list.Add(spec);
                    }
                }
            }
        }
        return plan;
    }

    private static bool Selected(FqdnAllow allow, IReadOnlyList<string> names, Func<FqdnSelector, IReadOnlyList<string>, bool> selects)
    {
        foreach (var s in allow.Selectors)
        {
            if (selects(s, names))
            {
                return true;
            }
        }
        return false;
    }

    private static bool RedirectOverlaps(EndpointMapState state, FqdnAllow allow)
    {
        foreach (var e in state.Entries)
        {
            if (e.Action != PolicyAction.Redirect || e.Direction != TrafficDirection.Egress)
            {
                continue;
            }
            var protocolOverlaps = e.Protocol == 0 || allow.Protocol == 0 || e.Protocol == allow.Protocol;
            var lo = e.Port == 0 ? 0 : e.Port;
            var hi = e.Port == 0 ? 65535 : e.EndPort == 0 ? e.Port : e.EndPort;
            if (protocolOverlaps && lo <= allow.EndPort && allow.Port <= hi)
            {
                return true;
            }
        }
        return false;
    }
}
