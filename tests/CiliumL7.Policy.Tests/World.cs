using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.Tests;

/// <summary>A small set of pods plus policies, resolved like the agent does.</summary>
internal sealed class World
{
    private readonly List<EndpointInfo> _endpoints = [];

    public InMemoryIdentityAllocator Identities { get; } = new();

    /// <summary>Adds a pod; returns its endpoint id. Labels are "k=v,k=v".</summary>
    public EndpointInfo Pod(string name, string labels, string ns = "default")
    {
        var set = LabelSet.FromK8s(ns, labels.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(kv => new KeyValuePair<string, string>(kv.Split('=')[0], kv.Split('=')[1])));
        var ep = new EndpointInfo((uint)_endpoints.Count + 100, ns, name, set, Identities.GetOrAllocate(set));
        _endpoints.Add(ep);
        return ep;
    }

    public PolicySnapshot Resolve(params string[] manifests) =>
        PolicyResolver.Resolve(Manifests.Valid(manifests), _endpoints, Identities);

    /// <summary>
    /// The lookup the datapath does (Cilium's precedence), with no "deny first" shortcut:
    /// the most specific port (exact, then narrower range, then any) first, and within it
    /// the exact identity before ANY. A distilled policy must give the same answer.
    /// </summary>
    public static L4PolicyEntry? DatapathLookup(EndpointPolicy policy, TrafficDirection dir, uint remote, byte proto, ushort port)
    {
        L4PolicyEntry? best = null;
        foreach (var e in policy.Entries)
        {
            if (e.Direction != dir || !e.CoversPort(port) || !e.CoversProtocol(proto) || (e.RemoteIdentity != 0 && e.RemoteIdentity != remote))
            {
                continue;
            }
            if (best is not { } b || Rank(e).CompareTo(Rank(b)) < 0)
            {
                best = e;
            }
        }
        return best;

        static (int, int, int) Rank(L4PolicyEntry e) => (e.Protocol == 0 ? 1 : 0, e.Width, e.RemoteIdentity == 0 ? 1 : 0);
    }
}
