using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>Reads and checks label selectors (<c>matchLabels</c>, <c>matchExpressions</c>).</summary>
internal static class SelectorReader
{
    private static readonly string[] Fields = ["matchLabels", "matchExpressions"];
    private static readonly string[] RequirementFields = ["key", "operator", "values"];
    private static readonly string[] Operators =
        [LabelSelectorRequirement.OpIn, LabelSelectorRequirement.OpNotIn, LabelSelectorRequirement.OpExists, LabelSelectorRequirement.OpDoesNotExist];

    private const string PruneWarning = "(Kubernetes would drop it silently and the remaining selector could select every endpoint.)";

    public static EndpointSelector? Read(DocumentContext ctx, YamlNode node, string path)
    {
        var fields = YamlNodes.Mapping(ctx, node, path, Fields, PruneWarning);
        if (fields is null)
        {
            return YamlNodes.IsNull(node) ? EndpointSelector.All : null;
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (fields.TryGetValue("matchLabels", out var ml))
        {
            if (ml is YamlMappingNode mlMap)
            {
                foreach (var (keyNode, valueNode) in mlMap.Children)
                {
                    var key = (keyNode as YamlScalarNode)?.Value ?? "";
                    var keyPath = path + ".matchLabels." + key;
                    if (NameRules.CheckLabelKey(key) is { } keyProblem)
                    {
                        ctx.Error(keyNode, keyPath, key, keyProblem);
                    }
                    var value = YamlNodes.Scalar(ctx, valueNode, keyPath) ?? "";
                    if (NameRules.CheckLabelValue(value) is { } valueProblem)
                    {
                        ctx.Error(valueNode, keyPath, value, valueProblem);
                    }
                    if (!labels.TryAdd(key, value))
                    {
                        ctx.Error(keyNode, keyPath, null, "is set twice; keep one.");
                    }
                }
            }
            else if (!YamlNodes.IsNull(ml))
            {
                YamlNodes.Mapping(ctx, ml, path + ".matchLabels", Fields);
            }
        }
        var expressions = new List<LabelSelectorRequirement>();
        if (fields.TryGetValue("matchExpressions", out var me) && YamlNodes.Sequence(ctx, me, path + ".matchExpressions") is { } items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (ReadRequirement(ctx, items[i], path + ".matchExpressions[" + i + "]") is { } req)
                {
                    expressions.Add(req);
                }
            }
        }
        return new EndpointSelector { MatchLabels = labels, MatchExpressions = expressions };
    }

    public static IReadOnlyList<EndpointSelector>? ReadList(DocumentContext ctx, YamlNode node, string path)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return YamlNodes.IsNull(node) ? [] : null;
        }
        var list = new List<EndpointSelector>();
        for (var i = 0; i < items.Count; i++)
        {
            if (Read(ctx, items[i], path + "[" + i + "]") is { } s)
            {
                list.Add(s);
            }
        }
        return list;
    }

    private static LabelSelectorRequirement? ReadRequirement(DocumentContext ctx, YamlNode node, string path)
    {
        var fields = YamlNodes.Mapping(ctx, node, path, RequirementFields);
        if (fields is null)
        {
            return null;
        }
        string? key = null;
        if (!fields.TryGetValue("key", out var keyNode))
        {
            ctx.Error(node, path + ".key", null, "is required.");
        }
        else if ((key = YamlNodes.Scalar(ctx, keyNode, path + ".key")) is not null && NameRules.CheckLabelKey(key) is { } problem)
        {
            ctx.Error(keyNode, path + ".key", key, problem);
        }
        string? op = null;
        if (!fields.TryGetValue("operator", out var opNode))
        {
            ctx.Error(node, path + ".operator", null, "is required (In, NotIn, Exists or DoesNotExist).");
        }
        else if ((op = YamlNodes.Scalar(ctx, opNode, path + ".operator")) is not null && !Operators.Contains(op))
        {
            ctx.Error(opNode, path + ".operator", op, "is not a selector operator; " + Suggestions.Hint(op, Operators));
            op = null;
        }
        var values = new List<string>();
        if (fields.TryGetValue("values", out var valuesNode) && YamlNodes.Strings(ctx, valuesNode, path + ".values") is { } vs)
        {
            foreach (var (v, vn) in vs)
            {
                if (NameRules.CheckLabelValue(v) is { } problem)
                {
                    ctx.Error(vn, path + ".values", v, problem);
                }
                values.Add(v);
            }
        }
        if (op is LabelSelectorRequirement.OpIn or LabelSelectorRequirement.OpNotIn && values.Count == 0)
        {
            ctx.Error(node, path + ".values", null, "must list at least one value for operator " + op + ".");
        }
        if (op is LabelSelectorRequirement.OpExists or LabelSelectorRequirement.OpDoesNotExist && values.Count > 0)
        {
            ctx.Error(valuesNode, path + ".values", null, "must be empty for operator " + op + "; remove it.");
        }
        return key is null || op is null ? null : new LabelSelectorRequirement { Key = key, Operator = op, Values = values };
    }
}
