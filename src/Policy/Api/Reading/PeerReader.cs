using System.Net;
using CiliumL7.Policy.Resolution;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>Reads the non-selector peers: CIDRs, CIDR sets, entities, services, FQDNs, ICMP types.</summary>
internal static class PeerReader
{
    private static readonly string[] CidrSetFields = ["cidr", "except", "cidrGroupRef", "cidrGroupSelector"];
    private static readonly string[] ServiceFields = ["k8sService", "k8sServiceSelector"];
    private static readonly string[] K8sServiceFields = ["serviceName", "namespace"];
    private static readonly string[] K8sServiceSelectorFields = ["selector", "namespace"];
    private static readonly string[] FqdnFields = ["matchName", "matchPattern"];
    private static readonly string[] IcmpRuleFields = ["fields"];
    private static readonly string[] IcmpFieldFields = ["family", "type"];
    private static readonly string[] Families = ["IPv4", "IPv6"];
    private static readonly string[] CidrGroupFields = ["cidrGroupRef", "cidrGroupSelector"];

    private static readonly Dictionary<string, int> Icmp4Types = new(StringComparer.Ordinal)
    {
        ["EchoReply"] = 0, ["DestinationUnreachable"] = 3, ["Redirect"] = 5, ["Echo"] = 8, ["EchoRequest"] = 8,
        ["RouterAdvertisement"] = 9, ["RouterSelection"] = 10, ["TimeExceeded"] = 11, ["ParameterProblem"] = 12,
        ["Timestamp"] = 13, ["TimestampReply"] = 14, ["Photuris"] = 40, ["ExtendedEchoRequest"] = 42, ["ExtendedEchoReply"] = 43,
    };

    private static readonly Dictionary<string, int> Icmp6Types = new(StringComparer.Ordinal)
    {
        ["DestinationUnreachable"] = 1, ["PacketTooBig"] = 2, ["TimeExceeded"] = 3, ["ParameterProblem"] = 4,
        ["EchoRequest"] = 128, ["EchoReply"] = 129, ["MulticastListenerQuery"] = 130, ["MulticastListenerReport"] = 131,
        ["MulticastListenerDone"] = 132, ["RouterSolicitation"] = 133, ["RouterAdvertisement"] = 134,
        ["NeighborSolicitation"] = 135, ["NeighborAdvertisement"] = 136, ["RedirectMessage"] = 137,
        ["ExtendedEchoRequest"] = 160, ["ExtendedEchoReply"] = 161,
    };

    public static IReadOnlyList<string>? ReadCidrs(DocumentContext ctx, YamlNode node, string path)
    {
        var items = YamlNodes.Strings(ctx, node, path);
        if (items is null)
        {
            return YamlNodes.IsNull(node) ? [] : null;
        }
        var list = new List<string>();
        for (var i = 0; i < items.Count; i++)
        {
            if (CheckCidr(ctx, items[i].Node, path + "[" + i + "]", items[i].Value, out _))
            {
                list.Add(items[i].Value);
            }
        }
        return list;
    }

    public static IReadOnlyList<CidrRule>? ReadCidrSets(DocumentContext ctx, YamlNode node, string path)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return YamlNodes.IsNull(node) ? [] : null;
        }
        var list = new List<CidrRule>();
        for (var i = 0; i < items.Count; i++)
        {
            var p = path + "[" + i + "]";
            var f = YamlNodes.Mapping(ctx, items[i], p, CidrSetFields);
            if (f is null)
            {
                continue;
            }
            foreach (var unsupported in CidrGroupFields)
            {
                if (f.TryGetValue(unsupported, out var u))
                {
                    ctx.Error(u, p + "." + unsupported, null, "is not supported by CiliumL7 (no CiliumCIDRGroup resources); list the prefixes in cidr/except.");
                }
            }
            if (!f.TryGetValue("cidr", out var cidrNode))
            {
                ctx.Error(items[i], p + ".cidr", null, "is required, e.g. cidr: 10.0.0.0/8.");
                continue;
            }
            var cidr = YamlNodes.Scalar(ctx, cidrNode, p + ".cidr");
            if (cidr is null || !CheckCidr(ctx, cidrNode, p + ".cidr", cidr, out var outer))
            {
                continue;
            }
            var except = new List<string>();
            if (f.TryGetValue("except", out var exceptNode) && YamlNodes.Strings(ctx, exceptNode, p + ".except") is { } ex)
            {
                for (var j = 0; j < ex.Count; j++)
                {
                    var ep = p + ".except[" + j + "]";
                    if (!CheckCidr(ctx, ex[j].Node, ep, ex[j].Value, out var inner))
                    {
                        continue;
                    }
                    if (!CidrParsing.Contains(outer, inner))
                    {
                        ctx.Error(ex[j].Node, ep, ex[j].Value, "is not inside cidr " + DocumentContext.Quote(cidr) + "; an except must be a sub-prefix of its cidr.");
                        continue;
                    }
                    except.Add(ex[j].Value);
                }
            }
            list.Add(new CidrRule { Cidr = cidr, Except = except });
        }
        return list;
    }

    public static IReadOnlyList<string>? ReadEntities(DocumentContext ctx, YamlNode node, string path)
    {
        var items = YamlNodes.Strings(ctx, node, path);
        if (items is null)
        {
            return YamlNodes.IsNull(node) ? [] : null;
        }
        var list = new List<string>();
        for (var i = 0; i < items.Count; i++)
        {
            var (value, n) = items[i];
            if (!Entities.Names.Contains(value))
            {
                ctx.Error(n, path + "[" + i + "]", value, "is not an entity; " + Suggestions.Hint(value, (IReadOnlyCollection<string>)Entities.Names, "entities"));
                continue;
            }
            list.Add(value);
        }
        return list;
    }

    public static IReadOnlyList<Service>? ReadServices(DocumentContext ctx, YamlNode node, string path)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return null;
        }
        var list = new List<Service>();
        for (var i = 0; i < items.Count; i++)
        {
            var p = path + "[" + i + "]";
            var f = YamlNodes.Mapping(ctx, items[i], p, ServiceFields);
            if (f is null)
            {
                continue;
            }
            if (f.TryGetValue("k8sService", out var svc) && YamlNodes.Mapping(ctx, svc, p + ".k8sService", K8sServiceFields) is { } sf)
            {
                var name = sf.TryGetValue("serviceName", out var sn) ? YamlNodes.Scalar(ctx, sn, p + ".k8sService.serviceName") : null;
                if (string.IsNullOrEmpty(name))
                {
                    ctx.Error(svc, p + ".k8sService.serviceName", null, "is required.");
                }
                list.Add(new Service { ServiceName = name, Namespace = sf.TryGetValue("namespace", out var ns) ? YamlNodes.Scalar(ctx, ns, p + ".k8sService.namespace") : null });
            }
            else if (f.TryGetValue("k8sServiceSelector", out var sel) && YamlNodes.Mapping(ctx, sel, p + ".k8sServiceSelector", K8sServiceSelectorFields) is { } ssf)
            {
                var selector = ssf.TryGetValue("selector", out var s) ? SelectorReader.Read(ctx, s, p + ".k8sServiceSelector.selector") : null;
                if (selector is null)
                {
                    ctx.Error(sel, p + ".k8sServiceSelector.selector", null, "is required.");
                }
                list.Add(new Service { Selector = selector, Namespace = ssf.TryGetValue("namespace", out var ns) ? YamlNodes.Scalar(ctx, ns, p + ".k8sServiceSelector.namespace") : null });
            }
            else if (f.Count == 0)
            {
                ctx.Error(items[i], p, null, "needs k8sService or k8sServiceSelector.");
            }
        }
        return list;
    }

    public static IReadOnlyList<FqdnSelector>? ReadFqdns(DocumentContext ctx, YamlNode node, string path)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return null;
        }
        var list = new List<FqdnSelector>();
        for (var i = 0; i < items.Count; i++)
        {
            var p = path + "[" + i + "]";
            var f = YamlNodes.Mapping(ctx, items[i], p, FqdnFields);
            if (f is null)
            {
                continue;
            }
            var (name, pattern) = DnsNames.ReadNameOrPattern(ctx, items[i], p, f);
            if (name is not null || pattern is not null)
            {
                list.Add(new FqdnSelector { MatchName = name, MatchPattern = pattern });
            }
        }
        return list;
    }

    public static IReadOnlyList<IcmpRule>? ReadIcmps(DocumentContext ctx, YamlNode node, string path)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return null;
        }
        var list = new List<IcmpRule>();
        for (var i = 0; i < items.Count; i++)
        {
            var p = path + "[" + i + "]";
            var f = YamlNodes.Mapping(ctx, items[i], p, IcmpRuleFields);
            if (f is null || !f.TryGetValue("fields", out var fieldsNode) || YamlNodes.Sequence(ctx, fieldsNode, p + ".fields") is not { } fields)
            {
                continue;
            }
            if (fields.Count > 40)
            {
                ctx.Error(fieldsNode, p + ".fields", null, $"has {fields.Count} items; at most 40 are allowed, split the rule.");
            }
            var parsed = new List<IcmpField>();
            for (var j = 0; j < fields.Count; j++)
            {
                var fp = p + ".fields[" + j + "]";
                var ff = YamlNodes.Mapping(ctx, fields[j], fp, IcmpFieldFields);
                if (ff is null)
                {
                    continue;
                }
                var family = "IPv4";
                if (ff.TryGetValue("family", out var famNode) && YamlNodes.Scalar(ctx, famNode, fp + ".family") is { } fam)
                {
                    if (!Families.Contains(fam))
                    {
                        ctx.Error(famNode, fp + ".family", fam, "is not a family; " + Suggestions.Hint(fam, Families));
                        continue;
                    }
                    family = fam;
                }
                if (!ff.TryGetValue("type", out var typeNode) || YamlNodes.Scalar(ctx, typeNode, fp + ".type") is not { } typeText)
                {
                    ctx.Error(fields[j], fp + ".type", null, "is required (a number 0-255 or a name such as EchoRequest).");
                    continue;
                }
                var names = family == "IPv6" ? Icmp6Types : Icmp4Types;
                if (int.TryParse(typeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var type) && type <= 255)
                {
                    parsed.Add(new IcmpField { Family = family, Type = type });
                }
                else if (names.TryGetValue(typeText, out type))
                {
                    parsed.Add(new IcmpField { Family = family, Type = type });
                }
                else
                {
                    ctx.Error(typeNode, fp + ".type", typeText, "is not an " + family + " ICMP type; use 0-255 or " + Suggestions.Hint(typeText, names.Keys, "a name"));
                }
            }
            list.Add(new IcmpRule { Fields = parsed });
        }
        return list;
    }

    private static bool CheckCidr(DocumentContext ctx, YamlNode node, string path, string text, out IPNetwork prefix)
    {
        if (CidrParsing.TryParse(text, out prefix))
        {
            return true;
        }
        ctx.Error(node, path, text, "is not a valid CIDR (expected ADDRESS/LENGTH with no host bits set, e.g. 10.0.0.0/8).");
        return false;
    }
}
