using YamlDotNet.RepresentationModel;

namespace CiliumL7.E2E.Tests.Kubernetes;

/// <summary>
/// Checks an object against a CRD's structural OpenAPI schema the way the API server's
/// strict field validation does for the parts our CRDs use: a field the schema does not
/// name is an "unknown field" error (never pruned silently), types, enums, maxItems,
/// maxLength, int-or-string. The nearest thing to an API server that can run here.
/// </summary>
internal static class SchemaCheck
{
    public static List<string> Validate(YamlNode value, YamlMappingNode schema, string path = "")
    {
        var errors = new List<string>();
        Walk(value, schema, path, errors);
        return errors;
    }

    private static void Walk(YamlNode value, YamlMappingNode schema, string path, List<string> errors)
    {
        if (value is YamlScalarNode { Value: null or "" or "null" or "~", Style: YamlDotNet.Core.ScalarStyle.Plain } && RenderedManifests.Str(schema, "type") != "string")
        {
            return; // null is "not set"
        }
        if (RenderedManifests.Str(schema, "x-kubernetes-int-or-string") == "true")
        {
            if (value is not YamlScalarNode)
            {
                errors.Add($"{path}: must be an integer or a string");
            }
            return;
        }
        switch (RenderedManifests.Str(schema, "type"))
        {
            case "object":
                if (value is not YamlMappingNode map)
                {
                    errors.Add($"{path}: must be an object");
                    return;
                }
                var props = RenderedManifests.Node(schema, "properties") as YamlMappingNode;
                var additional = RenderedManifests.Node(schema, "additionalProperties") as YamlMappingNode;
                foreach (var (k, v) in map.Children)
                {
                    var key = ((YamlScalarNode)k).Value!;
                    var child = path.Length == 0 ? key : path + "." + key;
                    if (props is not null && props.Children.TryGetValue(new YamlScalarNode(key), out var sub))
                    {
                        Walk(v, (YamlMappingNode)sub, child, errors);
                    }
                    else if (additional is not null)
                    {
                        Walk(v, additional, child, errors);
                    }
                    else if (props is not null)
                    {
                        errors.Add($"unknown field \"{child}\"");
                    }
                }
                foreach (var req in RenderedManifests.Seq(schema, "required"))
                {
                    if (!map.Children.ContainsKey(req))
                    {
                        errors.Add($"{path}: required field \"{((YamlScalarNode)req).Value}\" is missing");
                    }
                }
                break;
            case "array":
                if (value is not YamlSequenceNode seq)
                {
                    errors.Add($"{path}: must be a list");
                    return;
                }
                if (RenderedManifests.Str(schema, "maxItems") is { } max && seq.Children.Count > int.Parse(max))
                {
                    errors.Add($"{path}: more than {max} items");
                }
                for (var i = 0; i < seq.Children.Count; i++)
                {
                    Walk(seq.Children[i], (YamlMappingNode)RenderedManifests.Node(schema, "items")!, $"{path}[{i}]", errors);
                }
                break;
            case "string":
                if (value is not YamlScalarNode s)
                {
                    errors.Add($"{path}: must be a string");
                    return;
                }
                Enum(s, schema, path, errors);
                if (RenderedManifests.Str(schema, "maxLength") is { } maxLength && (s.Value ?? "").Length > int.Parse(maxLength))
                {
                    errors.Add($"{path}: longer than {maxLength} characters");
                }
                break;
            case "integer":
                if (value is not YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } i2 || !long.TryParse(i2.Value, out _))
                {
                    errors.Add($"{path}: must be an integer");
                }
                break;
            case "boolean":
                if (value is not YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: "true" or "false" })
                {
                    errors.Add($"{path}: must be true or false");
                }
                break;
            case null:
                errors.Add($"{path}: the schema has no type here (not structural)");
                break;
        }
    }

    private static void Enum(YamlScalarNode s, YamlMappingNode schema, string path, List<string> errors)
    {
        var allowed = RenderedManifests.Seq(schema, "enum").Select(e => ((YamlScalarNode)e).Value).ToList();
        if (allowed.Count > 0 && !allowed.Contains(s.Value))
        {
            errors.Add($"{path}: \"{s.Value}\" is not one of {string.Join(", ", allowed)}");
        }
    }
}
