using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>Typed access to YAML nodes that reports every shape problem with its field path.</summary>
internal static class YamlNodes
{
    /// <summary>
    /// The fields of a mapping, keyed by name. Unknown fields are reported with a
    /// did-you-mean (Kubernetes would prune them silently; we refuse).
    /// </summary>
    public static Dictionary<string, YamlNode>? Mapping(DocumentContext ctx, YamlNode node, string path, IReadOnlyCollection<string> known, string? unknownConsequence = null)
    {
        if (node is not YamlMappingNode map)
        {
            if (!IsNull(node))
            {
                ctx.Error(node, path, null, "must be a mapping (key: value), but is " + Describe(node) + "; check the indentation.");
            }
            return null;
        }
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var fieldPath = path.Length == 0 ? key : path + "." + key;
            if (!known.Contains(key))
            {
                var closest = Suggestions.Closest(key, known);
                var hint = closest is not null
                    ? "did you mean " + DocumentContext.Quote(closest) + "?"
                    : "known fields here: " + string.Join(", ", known) + ".";
                ctx.Error(keyNode, fieldPath, null, "unknown field; " + hint + (unknownConsequence is null ? "" : " " + unknownConsequence));
                continue;
            }
            if (!fields.TryAdd(key, value))
            {
                ctx.Error(keyNode, fieldPath, null, "is set twice; keep one.");
            }
        }
        return fields;
    }

    /// <summary>The items of a sequence (null node = absent = null).</summary>
    public static IReadOnlyList<YamlNode>? Sequence(DocumentContext ctx, YamlNode node, string path)
    {
        if (node is YamlSequenceNode seq)
        {
            return [.. seq.Children];
        }
        if (!IsNull(node))
        {
            ctx.Error(node, path, null, "must be a list (items starting with \"- \"), but is " + Describe(node) + ".");
        }
        return null;
    }

    /// <summary>A scalar's text; reports a non-scalar.</summary>
    public static string? Scalar(DocumentContext ctx, YamlNode node, string path)
    {
        if (node is YamlScalarNode s)
        {
            return IsNull(node) ? null : s.Value ?? "";
        }
        ctx.Error(node, path, null, "must be a single value, but is " + Describe(node) + ".");
        return null;
    }

    /// <summary>A boolean scalar.</summary>
    public static bool? Bool(DocumentContext ctx, YamlNode node, string path)
    {
        var text = Scalar(ctx, node, path);
        if (text is null)
        {
            return null;
        }
        if (bool.TryParse(text, out var b))
        {
            return b;
        }
        ctx.Error(node, path, text, "is not a boolean; use true or false.");
        return null;
    }

    /// <summary>An integer scalar within [min, max].</summary>
    public static int? Int(DocumentContext ctx, YamlNode node, string path, int min, int max)
    {
        var text = Scalar(ctx, node, path);
        if (text is null)
        {
            return null;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
        {
            return v;
        }
        ctx.Error(node, path, text, $"is not a number between {min} and {max}.");
        return null;
    }

    /// <summary>A list of scalars.</summary>
    public static IReadOnlyList<(string Value, YamlNode Node)>? Strings(DocumentContext ctx, YamlNode node, string path)
    {
        var seq = Sequence(ctx, node, path);
        if (seq is null)
        {
            return null;
        }
        var list = new List<(string, YamlNode)>();
        for (var i = 0; i < seq.Count; i++)
        {
            var s = Scalar(ctx, seq[i], path + "[" + i + "]");
            if (s is not null)
            {
                list.Add((s, seq[i]));
            }
        }
        return list;
    }

    /// <summary>True for <c>~</c>, <c>null</c> or an empty plain scalar.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && (s.Value is null or "" or "~" or "null" or "Null" or "NULL") && s.Tag.IsEmpty;

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => "the value " + DocumentContext.Quote(s.Value ?? ""),
        _ => "something else",
    };
}
