using CiliumL7.Policy.Identity;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>Reads one Cilium <c>Rule</c> (<c>spec</c> or <c>specs[i]</c>) and checks the rule-level constraints.</summary>
internal static class RuleReader
{
    private static readonly string[] Fields =
        ["endpointSelector", "nodeSelector", "ingress", "ingressDeny", "egress", "egressDeny", "labels", "description", "enableDefaultDeny", "log"];

    private static readonly string[] DefaultDenyFields = ["ingress", "egress"];
    private static readonly string[] LogFields = ["value"];
    private static readonly string[] LabelFields = ["key", "value", "source"];

    public static Rule? Read(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, Fields);
        if (f is null)
        {
            if (YamlNodes.IsNull(node))
            {
                ctx.Error(node, path, null, "is empty; a rule needs an endpointSelector and an ingress or egress section.");
            }
            return null;
        }
        var hasEp = f.TryGetValue("endpointSelector", out var epNode);
        var hasNode = f.TryGetValue("nodeSelector", out var nodeNode);
        if (hasEp && hasNode)
        {
            ctx.Error(nodeNode, path + ".nodeSelector", null, "cannot be combined with endpointSelector; a rule selects either pods or nodes, remove one.");
        }
        else if (!hasEp && !hasNode)
        {
            ctx.Error(node, path + ".endpointSelector", null, "is required (or nodeSelector for host policies); use endpointSelector: {} to select every pod of the namespace.");
        }
        if (!f.ContainsKey("ingress") && !f.ContainsKey("ingressDeny") && !f.ContainsKey("egress") && !f.ContainsKey("egressDeny"))
        {
            ctx.Error(node, path, null, "has no ingress, ingressDeny, egress or egressDeny section, so it would do nothing; add one (\"ingress: [{}]\" denies all ingress).");
        }
        return new Rule
        {
            Path = path,
            EndpointSelector = hasEp ? SelectorReader.Read(ctx, epNode!, path + ".endpointSelector") : null,
            NodeSelector = hasNode ? SelectorReader.Read(ctx, nodeNode!, path + ".nodeSelector") : null,
            Ingress = f.TryGetValue("ingress", out var ing) ? PeerRuleReader.ReadIngressList(ctx, ing, path + ".ingress", deny: false) : null,
            IngressDeny = f.TryGetValue("ingressDeny", out var ingD) ? PeerRuleReader.ReadIngressList(ctx, ingD, path + ".ingressDeny", deny: true) : null,
            Egress = f.TryGetValue("egress", out var eg) ? PeerRuleReader.ReadEgressList(ctx, eg, path + ".egress", deny: false) : null,
            EgressDeny = f.TryGetValue("egressDeny", out var egD) ? PeerRuleReader.ReadEgressList(ctx, egD, path + ".egressDeny", deny: true) : null,
            Labels = f.TryGetValue("labels", out var labels) ? ReadLabels(ctx, labels, path + ".labels") : null,
            Description = f.TryGetValue("description", out var d) ? YamlNodes.Scalar(ctx, d, path + ".description") : null,
            EnableDefaultDeny = f.TryGetValue("enableDefaultDeny", out var dd) ? ReadDefaultDeny(ctx, dd, path + ".enableDefaultDeny") : null,
            Log = f.TryGetValue("log", out var log) ? ReadLog(ctx, log, path + ".log") : null,
        };
    }

    private static DefaultDenyConfig? ReadDefaultDeny(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, DefaultDenyFields);
        return f is null ? null : new DefaultDenyConfig
        {
            Ingress = f.TryGetValue("ingress", out var i) ? YamlNodes.Bool(ctx, i, path + ".ingress") : null,
            Egress = f.TryGetValue("egress", out var e) ? YamlNodes.Bool(ctx, e, path + ".egress") : null,
        };
    }

    private static LogConfig? ReadLog(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, LogFields);
        if (f is null)
        {
            return null;
        }
        string? value = null;
        if (f.TryGetValue("value", out var v) && (value = YamlNodes.Scalar(ctx, v, path + ".value")) is not null &&
            (value.Length > 32 || value.Any(c => c < 0x20 || c > 0x7e)))
        {
            ctx.Error(v, path + ".value", value, "must be at most 32 printable ASCII characters.");
        }
        return new LogConfig { Value = value };
    }

    private static IReadOnlyList<Label>? ReadLabels(DocumentContext ctx, YamlNode node, string path)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return null;
        }
        var list = new List<Label>();
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = path + "[" + i + "]";
            if (items[i] is YamlScalarNode s)
            {
                list.Add(Label.Parse(s.Value ?? "", "unspec"));
                continue;
            }
            var f = YamlNodes.Mapping(ctx, items[i], itemPath, LabelFields);
            if (f is null)
            {
                continue;
            }
            var key = f.TryGetValue("key", out var k) ? YamlNodes.Scalar(ctx, k, itemPath + ".key") : null;
            if (string.IsNullOrEmpty(key))
            {
                ctx.Error(items[i], itemPath + ".key", null, "is required.");
                continue;
            }
            var value = f.TryGetValue("value", out var v) ? YamlNodes.Scalar(ctx, v, itemPath + ".value") ?? "" : "";
            var source = f.TryGetValue("source", out var src) ? YamlNodes.Scalar(ctx, src, itemPath + ".source") ?? "unspec" : "unspec";
            list.Add(new Label(source, key, value));
        }
        return list;
    }
}
