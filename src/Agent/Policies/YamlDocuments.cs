using CiliumL7.Policy.Api.Limits;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Agent.Policies;

/// <summary>
/// Splits a multi-document YAML text into resources and reads the identifying
/// fields (kind, metadata.name, metadata.namespace). Full validation is the
/// policy engine's job; this only finds what a resource is called.
/// </summary>
internal static class YamlDocuments
{
    private static readonly HashSet<string> KnownKinds = new(StringComparer.Ordinal)
    {
        "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "NetworkPolicy",
    };

    /// <summary>The resources of <paramref name="text"/>, each with its document's root node (line numbers of <paramref name="text"/>).</summary>
    public static (List<(PolicyDocument Document, YamlMappingNode Root)> Documents, List<string> Errors) Split(string text, string source)
    {
        var documents = new List<(PolicyDocument, YamlMappingNode)>();
        var errors = new List<string>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new GuardedYamlParser(text));
        }
        catch (YamlInputLimitException e)
        {
            errors.Add($"{Echo.Truncate(source)}: {e.Message}");
            return (documents, errors);
        }
        catch (YamlException e)
        {
            errors.Add($"{source}: line {e.Start.Line}, column {e.Start.Column}: invalid YAML: {e.InnerException?.Message ?? e.Message}");
            return (documents, errors);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            errors.Add($"{source}: invalid YAML: {e.Message}; check quoting, brackets, tags and anchors");
            return (documents, errors);
        }
        var index = 0;
        foreach (var doc in stream.Documents)
        {
            index++;
            if (doc.RootNode is YamlScalarNode { Value: null or "" })
            {
                continue;
            }
            if (doc.RootNode is not YamlMappingNode root)
            {
                errors.Add($"{source}: document {index}: expected a resource mapping (apiVersion, kind, metadata, spec)");
                continue;
            }
            var kind = Scalar(root, "kind");
            var metadata = root.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) ? m as YamlMappingNode : null;
            var name = metadata is null ? null : Scalar(metadata, "name");
            var ns = metadata is null ? null : Scalar(metadata, "namespace");
            if (kind is null || !KnownKinds.Contains(kind))
            {
                errors.Add($"{source}: document {index}: kind: \"{kind}\" is not a policy kind (use CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or NetworkPolicy)");
                continue;
            }
            if (string.IsNullOrEmpty(name))
            {
                errors.Add($"{source}: document {index}: {kind}: metadata.name is required");
                continue;
            }
            ns = kind == "CiliumClusterwideNetworkPolicy" ? "" : string.IsNullOrEmpty(ns) ? "default" : ns;
            var writer = new StringWriter();
            new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
            var yaml = writer.ToString();
            if (yaml.EndsWith("...\n", StringComparison.Ordinal))
            {
                yaml = yaml[..^4];
            }
            documents.Add((new PolicyDocument(kind, ns, name, source, yaml), root));
        }
        return (documents, errors);
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
