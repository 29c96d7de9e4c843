using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Cli.Kubernetes;

/// <summary>
/// The manifests of <c>deploy/kubernetes</c>, built into the CLI, rendered the way
/// <c>kubectl kustomize</c> renders them for the fields the kustomization uses: its
/// <c>resources</c> in order, <c>namespace</c> (on every namespaced object and the
/// ServiceAccount subjects of bindings), <c>labels</c> (metadata only) and <c>images</c>
/// (with <c>--image</c> taking precedence). A test holds it equal to kustomize's output.
/// </summary>
internal static class ManifestRenderer
{
    private const string Prefix = "deploy/kubernetes/";

    private static readonly HashSet<string> ClusterScoped = ["CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Namespace", "PriorityClass"];

    /// <summary>Every object, in the kustomization's order.</summary>
    public static List<YamlMappingNode> Render(string? image = null, string? ns = null)
    {
        var kustomization = (YamlMappingNode)Load("kustomization.yaml").Single();
        var targetNs = ns ?? Scalar(kustomization, "namespace");
        var labels = new List<(string Key, string Value)>();
        foreach (var set in Seq(kustomization, "labels"))
        {
            if (((YamlMappingNode)set).Children.TryGetValue(new YamlScalarNode("pairs"), out var pairs))
            {
                labels.AddRange(((YamlMappingNode)pairs).Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, ((YamlScalarNode)kv.Value).Value!)));
            }
        }
        var images = Seq(kustomization, "images").Cast<YamlMappingNode>()
            .ToDictionary(i => Scalar(i, "name")!, i => $"{Scalar(i, "newName") ?? Scalar(i, "name")}{(Scalar(i, "newTag") is { } tag ? ":" + tag : "")}");
        var objects = new List<YamlMappingNode>();
        foreach (var resource in Seq(kustomization, "resources").Select(r => ((YamlScalarNode)r).Value!))
        {
            foreach (var doc in Load(resource).OfType<YamlMappingNode>())
            {
                var kind = Scalar(doc, "kind")!;
                var metadata = (YamlMappingNode)doc["metadata"];
                if (targetNs is not null && !ClusterScoped.Contains(kind))
                {
                    metadata.Children[new YamlScalarNode("namespace")] = new YamlScalarNode(targetNs);
                }
                if (targetNs is not null && kind is "ClusterRoleBinding" or "RoleBinding")
                {
                    foreach (var subject in Seq(doc, "subjects").Cast<YamlMappingNode>().Where(s => Scalar(s, "kind") == "ServiceAccount"))
                    {
                        subject.Children[new YamlScalarNode("namespace")] = new YamlScalarNode(targetNs);
                    }
                }
                if (labels.Count > 0)
                {
                    if (!metadata.Children.TryGetValue(new YamlScalarNode("labels"), out var l))
                    {
                        metadata.Children[new YamlScalarNode("labels")] = l = new YamlMappingNode();
                    }
                    foreach (var (key, value) in labels)
                    {
                        ((YamlMappingNode)l).Children[new YamlScalarNode(key)] = new YamlScalarNode(value);
                    }
                }
                foreach (var container in Containers(doc))
                {
                    if (Scalar(container, "image") is { } name && images.TryGetValue(name, out var replacement))
                    {
                        container.Children[new YamlScalarNode("image")] = new YamlScalarNode(image ?? replacement);
                    }
                }
                objects.Add(doc);
            }
        }
        return objects;
    }

    /// <summary>The rendered objects as one YAML stream (documents separated by <c>---</c>).</summary>
    public static string ToYaml(IEnumerable<YamlMappingNode> objects)
    {
        var writer = new StringWriter();
        var first = true;
        foreach (var o in objects)
        {
            if (!first)
            {
                writer.WriteLine("---");
            }
            first = false;
            var stream = new YamlStream(new YamlDocument(o));
            var text = new StringWriter();
            stream.Save(text, assignAnchors: false);
            writer.Write(text.ToString().TrimEnd('\n', '.', '\r').TrimEnd() + "\n");
        }
        return writer.ToString();
    }

    private static IEnumerable<YamlMappingNode> Containers(YamlMappingNode doc)
    {
        if (doc.Children.TryGetValue(new YamlScalarNode("spec"), out var spec) && spec is YamlMappingNode s
            && s.Children.TryGetValue(new YamlScalarNode("template"), out var t) && t is YamlMappingNode template
            && template.Children.TryGetValue(new YamlScalarNode("spec"), out var ps) && ps is YamlMappingNode podSpec)
        {
            foreach (var key in new[] { "initContainers", "containers" })
            {
                foreach (var c in Seq(podSpec, key).OfType<YamlMappingNode>())
                {
                    yield return c;
                }
            }
        }
    }

    private static IReadOnlyList<YamlNode> Load(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Prefix + file)
            ?? throw new InvalidOperationException($"{Prefix}{file} is not built into this ciliuml7");
        var yaml = new YamlStream();
        yaml.Load(new StreamReader(stream));
        return [.. yaml.Documents.Select(d => d.RootNode)];
    }

    internal static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (v as YamlScalarNode)?.Value : null;

    private static IReadOnlyList<YamlNode> Seq(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlSequenceNode s ? [.. s.Children] : [];
}
