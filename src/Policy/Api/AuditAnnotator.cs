using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api;

/// <summary>
/// <c>policy import --audit</c>: adds <c>ciliuml7.io/audit: "true"</c> to the
/// <c>metadata.annotations</c> of every policy document in a YAML stream (the
/// spec is untouched: the CRD schema stays Cilium's). Text that does not parse
/// is returned as is, for validation to report.
/// </summary>
public static class AuditAnnotator
{
    /// <summary>The YAML with every document annotated for audit mode.</summary>
    public static string Annotate(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException)
        {
            return yaml;
        }
        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is not YamlMappingNode root)
            {
                continue;
            }
            if (!root.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) || m is not YamlMappingNode meta)
            {
                continue; // validation will say metadata.name is required
            }
            if (!meta.Children.TryGetValue(new YamlScalarNode("annotations"), out var a) || a is not YamlMappingNode annotations)
            {
                annotations = new YamlMappingNode();
                meta.Children[new YamlScalarNode("annotations")] = annotations;
            }
            annotations.Children[new YamlScalarNode(PolicyResource.AuditAnnotation)] = new YamlScalarNode("true") { Style = ScalarStyle.DoubleQuoted };
        }
        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
