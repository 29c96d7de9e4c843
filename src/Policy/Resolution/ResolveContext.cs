using System.Net;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Resolution;

/// <summary>What selector expansion needs during one resolution.</summary>
internal sealed class ResolveContext(IdentityIndex universe, IdentityIndex locals, IReadOnlyDictionary<IPNetwork, uint> cidrs, IReadOnlyDictionary<uint, LabelSet> all, IFqdnIdentities? fqdns = null)
{
    /// <summary>The learned-name identities of <c>toFQDNs</c> selectors (none without an FQDN cache).</summary>
    public uint[] Fqdn(Api.FqdnSelector selector) => fqdns?.Select(selector) ?? [];

    private readonly Dictionary<string, uint[]> _entityCache = new(StringComparer.Ordinal);

    public IdentityIndex Universe { get; } = universe;

    public IdentityIndex Locals { get; } = locals;

    public IReadOnlyDictionary<IPNetwork, uint> Cidrs { get; } = cidrs;

    /// <summary>The identities an entity name stands for; <c>[0]</c> = every peer.</summary>
    public uint[] Entity(string name)
    {
        if (_entityCache.TryGetValue(name, out var cached))
        {
            return cached;
        }
        var ids = new SortedSet<uint>();
        switch (name)
        {
            case "all":
                ids.Add(0);
                break;
            case "world":
                ids.UnionWith([ReservedIdentity.World, ReservedIdentity.WorldIpv4, ReservedIdentity.WorldIpv6]);
                ids.UnionWith(Cidrs.Values);
                break;
            case "world-ipv4":
                ids.Add(ReservedIdentity.WorldIpv4);
                foreach (var (prefix, id) in Cidrs)
                {
                    if (prefix.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                    {
                        ids.Add(id);
                    }
                }
                break;
            case "world-ipv6":
                ids.Add(ReservedIdentity.WorldIpv6);
                foreach (var (prefix, id) in Cidrs)
                {
                    if (prefix.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
                    {
                        ids.Add(id);
                    }
                }
                break;
            case "cluster":
                foreach (var id in all.Keys)
                {
                    if (!ReservedIdentity.IsReserved(id) && !ReservedIdentity.IsLocal(id))
                    {
                        ids.Add(id);
                    }
                }
                ids.UnionWith([ReservedIdentity.Host, ReservedIdentity.RemoteNode, ReservedIdentity.Health, ReservedIdentity.Init, ReservedIdentity.KubeApiServer]);
                break;
            case "host": ids.Add(ReservedIdentity.Host); break;
            case "remote-node": ids.Add(ReservedIdentity.RemoteNode); break;
            case "health": ids.Add(ReservedIdentity.Health); break;
            case "init": ids.Add(ReservedIdentity.Init); break;
            case "ingress": ids.Add(ReservedIdentity.Ingress); break;
            case "unmanaged": ids.Add(ReservedIdentity.Unmanaged); break;
            case "kube-apiserver": ids.Add(ReservedIdentity.KubeApiServer); break;
            default: break; // "none"
        }
        return _entityCache[name] = [.. ids];
    }

    /// <summary>The CIDR identities inside <paramref name="cidr"/> and outside every <paramref name="except"/>.</summary>
    public uint[] Cidr(string cidr, IReadOnlyList<string> except)
    {
        if (!CidrParsing.TryParse(cidr, out var outer))
        {
            return [];
        }
        var excepts = new List<IPNetwork>();
        foreach (var e in except)
        {
            if (CidrParsing.TryParse(e, out var x))
            {
                excepts.Add(x);
            }
        }
        var ids = new SortedSet<uint>();
        if (outer.PrefixLength == 0 && excepts.Count == 0)
        {
            ids.Add(ReservedIdentity.World);
            ids.Add(outer.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? ReservedIdentity.WorldIpv4 : ReservedIdentity.WorldIpv6);
        }
        foreach (var (prefix, id) in Cidrs)
        {
            if (!CidrParsing.Contains(outer, prefix))
            {
                continue;
            }
            var excluded = false;
            foreach (var x in excepts)
            {
                excluded |= CidrParsing.Contains(x, prefix);
            }
            if (!excluded)
            {
                ids.Add(id);
            }
        }
        return [.. ids];
    }
}
