using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>
/// Reads ingress/egress (and deny) rule items: one kind of L3 peer, ports or
/// ICMP types. Checks that peer kinds are not mixed and icmps do not meet toPorts.
/// </summary>
internal static class PeerRuleReader
{
    private static readonly string[] IngressFields =
        ["fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromNodes", "toPorts", "icmps", "fromRequires", "fromGroups", "authentication"];

    private static readonly string[] EgressFields =
        ["toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toFQDNs", "toNodes", "toPorts", "icmps", "toRequires", "toGroups", "authentication"];

    private static readonly string[] IngressPeers = ["fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromNodes"];
    private static readonly string[] EgressPeers = ["toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toFQDNs", "toNodes"];
    private static readonly string[] Unsupported = ["fromRequires", "toRequires", "fromGroups", "toGroups", "authentication"];

    public static IReadOnlyList<IngressRule>? ReadIngressList(DocumentContext ctx, YamlNode node, string path, bool deny)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return YamlNodes.IsNull(node) ? [] : null;
        }
        var list = new List<IngressRule>();
        for (var i = 0; i < items.Count; i++)
        {
            var p = path + "[" + i + "]";
            var f = YamlNodes.Mapping(ctx, items[i], p, IngressFields);
            if (f is null)
            {
                if (YamlNodes.IsNull(items[i]))
                {
                    list.Add(new IngressRule());
                }
                continue;
            }
            CheckShape(ctx, items[i], p, f, IngressPeers);
            list.Add(new IngressRule
            {
                FromEndpoints = f.TryGetValue("fromEndpoints", out var fe) ? SelectorReader.ReadList(ctx, fe, p + ".fromEndpoints") : null,
                FromCidr = f.TryGetValue("fromCIDR", out var fc) ? PeerReader.ReadCidrs(ctx, fc, p + ".fromCIDR") : null,
                FromCidrSet = f.TryGetValue("fromCIDRSet", out var fcs) ? PeerReader.ReadCidrSets(ctx, fcs, p + ".fromCIDRSet") : null,
                FromEntities = f.TryGetValue("fromEntities", out var fen) ? PeerReader.ReadEntities(ctx, fen, p + ".fromEntities") : null,
                FromNodes = f.TryGetValue("fromNodes", out var fn) ? SelectorReader.ReadList(ctx, fn, p + ".fromNodes") : null,
                ToPorts = f.TryGetValue("toPorts", out var tp) ? PortRuleReader.ReadList(ctx, tp, p + ".toPorts", deny, ingress: true) : null,
                Icmps = f.TryGetValue("icmps", out var ic) ? PeerReader.ReadIcmps(ctx, ic, p + ".icmps") : null,
            });
        }
        return list;
    }

    public static IReadOnlyList<EgressRule>? ReadEgressList(DocumentContext ctx, YamlNode node, string path, bool deny)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return YamlNodes.IsNull(node) ? [] : null;
        }
        var list = new List<EgressRule>();
        for (var i = 0; i < items.Count; i++)
        {
            var p = path + "[" + i + "]";
            var f = YamlNodes.Mapping(ctx, items[i], p, EgressFields);
            if (f is null)
            {
                if (YamlNodes.IsNull(items[i]))
                {
                    list.Add(new EgressRule());
                }
                continue;
            }
            CheckShape(ctx, items[i], p, f, EgressPeers);
            if (deny && f.TryGetValue("toFQDNs", out var denyFqdn))
            {
                ctx.Error(denyFqdn, p + ".toFQDNs", null, "is not allowed in egressDeny; deny by CIDR or entity instead.");
            }
            list.Add(new EgressRule
            {
                ToEndpoints = f.TryGetValue("toEndpoints", out var te) ? SelectorReader.ReadList(ctx, te, p + ".toEndpoints") : null,
                ToCidr = f.TryGetValue("toCIDR", out var tc) ? PeerReader.ReadCidrs(ctx, tc, p + ".toCIDR") : null,
                ToCidrSet = f.TryGetValue("toCIDRSet", out var tcs) ? PeerReader.ReadCidrSets(ctx, tcs, p + ".toCIDRSet") : null,
                ToEntities = f.TryGetValue("toEntities", out var ten) ? PeerReader.ReadEntities(ctx, ten, p + ".toEntities") : null,
                ToServices = f.TryGetValue("toServices", out var ts) ? PeerReader.ReadServices(ctx, ts, p + ".toServices") : null,
                ToFqdns = f.TryGetValue("toFQDNs", out var tf) ? PeerReader.ReadFqdns(ctx, tf, p + ".toFQDNs") : null,
                ToNodes = f.TryGetValue("toNodes", out var tn) ? SelectorReader.ReadList(ctx, tn, p + ".toNodes") : null,
                ToPorts = f.TryGetValue("toPorts", out var tp) ? PortRuleReader.ReadList(ctx, tp, p + ".toPorts", deny, ingress: false) : null,
                Icmps = f.TryGetValue("icmps", out var ic) ? PeerReader.ReadIcmps(ctx, ic, p + ".icmps") : null,
            });
        }
        return list;
    }

    private static void CheckShape(DocumentContext ctx, YamlNode node, string path, Dictionary<string, YamlNode> f, string[] peerKinds)
    {
        foreach (var name in Unsupported)
        {
            if (f.TryGetValue(name, out var n))
            {
                ctx.Error(n, path + "." + name, null, "is not supported by CiliumL7; express the peer with endpoint selectors, CIDRs or entities.");
            }
        }
        var present = peerKinds.Where(f.ContainsKey).ToList();
        if (present.Count > 1)
        {
            ctx.Error(f[present[1]], path + "." + present[1], null,
                "cannot be combined with " + present[0] + " in one rule (they would AND, not OR); split them into separate rules.");
        }
        if (f.TryGetValue("icmps", out var icmps) && f.ContainsKey("toPorts"))
        {
            ctx.Error(icmps, path + ".icmps", null, "cannot be combined with toPorts in one rule; split them into separate rules.");
        }
        _ = node;
    }
}
