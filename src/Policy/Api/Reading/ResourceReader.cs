using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>
/// Reads one YAML document: a CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy,
/// NetworkPolicy, or a <c>List</c> of them. A resource with any error is reported
/// and left out.
/// </summary>
internal static class ResourceReader
{
    private static readonly string[] TopFields = ["apiVersion", "kind", "metadata", "spec", "specs", "status"];
    private static readonly string[] ListFields = ["apiVersion", "kind", "metadata", "items"];
    private static readonly string[] Kinds = [PolicyKinds.CiliumNetworkPolicy, PolicyKinds.CiliumClusterwideNetworkPolicy, PolicyKinds.NetworkPolicy];

    private static readonly string[] MetadataFields =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    public static void Read(string source, YamlNode root, List<PolicyError> errors, List<PolicyResource> output)
    {
        var ctx = new DocumentContext(source, errors);
        if (root is not YamlMappingNode map)
        {
            ctx.Error(root, "", null, "a manifest must be a mapping with apiVersion, kind, metadata and spec.");
            return;
        }
        var kind = Peek(map, "kind");
        if (kind is not null && (kind == "List" || kind.EndsWith("List", StringComparison.Ordinal)))
        {
            var f = YamlNodes.Mapping(ctx, map, "", ListFields);
            if (f is not null && f.TryGetValue("items", out var itemsNode) && YamlNodes.Sequence(ctx, itemsNode, "items") is { } items)
            {
                foreach (var item in items)
                {
                    Read(source, item, errors, output);
                }
            }
            return;
        }
        ctx.Kind = kind is not null && Kinds.Contains(kind) ? kind : "";
        ctx.Name = PeekMetadata(map, "name");
        var ns = PeekMetadata(map, "namespace");
        ctx.Namespace = ctx.Kind == PolicyKinds.CiliumClusterwideNetworkPolicy ? null : ns ?? (ctx.Name is null ? null : "default");

        var fields = YamlNodes.Mapping(ctx, map, "", TopFields);
        if (fields is null)
        {
            return;
        }
        if (kind is null)
        {
            ctx.Error(map, "kind", null, "is required (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or NetworkPolicy).");
            return;
        }
        if (ctx.Kind.Length == 0)
        {
            ctx.Error(fields["kind"], "kind", kind, "is not a policy kind CiliumL7 reads; " + Suggestions.Hint(kind, Kinds, "supported kinds"));
            return;
        }
        CheckApiVersion(ctx, map, fields);
        var (name, labels) = ReadMetadata(ctx, map, fields);
        var audit = ReadAudit(ctx, map);
        var rules = new List<Rule>();
        if (kind == PolicyKinds.NetworkPolicy)
        {
            if (fields.TryGetValue("specs", out var specsNode))
            {
                ctx.Error(specsNode, "specs", null, "is not a NetworkPolicy field; use spec.");
            }
            if (!fields.TryGetValue("spec", out var npSpec))
            {
                ctx.Error(map, "spec", null, "is required.");
            }
            else if (NetworkPolicyReader.Read(ctx, npSpec, "spec") is { } rule)
            {
                rules.Add(rule);
            }
        }
        else
        {
            var hasSpec = fields.TryGetValue("spec", out var spec);
            var hasSpecs = fields.TryGetValue("specs", out var specs);
            if (!hasSpec && !hasSpecs)
            {
                ctx.Error(map, "spec", null, "is required (or specs, a list of rules).");
            }
            if (hasSpec && RuleReader.Read(ctx, spec!, "spec") is { } rule)
            {
                rules.Add(rule);
            }
            if (hasSpecs && YamlNodes.Sequence(ctx, specs!, "specs") is { } items)
            {
                for (var i = 0; i < items.Count; i++)
                {
                    if (RuleReader.Read(ctx, items[i], "specs[" + i + "]") is { } r)
                    {
                        rules.Add(r);
                    }
                }
            }
        }
        if (ctx.ErrorCount > 0 || name is null)
        {
            return;
        }
        output.Add(new PolicyResource
        {
            Kind = kind,
            Namespace = ctx.Namespace,
            Name = name,
            Rules = rules,
            Source = source,
            Line = (int)map.Start.Line,
            Labels = labels,
            Audit = audit,
        });
    }

    /// <summary>
    /// <c>metadata.annotations["ciliuml7.io/audit"]</c>: "true" puts the policy in
    /// audit mode (evaluated, not enforced); "false" or absent enforces it.
    /// </summary>
    private static bool ReadAudit(DocumentContext ctx, YamlMappingNode map)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) || m is not YamlMappingNode meta
            || !meta.Children.TryGetValue(new YamlScalarNode("annotations"), out var a) || a is not YamlMappingNode annotations
            || !annotations.Children.TryGetValue(new YamlScalarNode(PolicyResource.AuditAnnotation), out var v))
        {
            return false;
        }
        var value = (v as YamlScalarNode)?.Value;
        switch (value)
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                ctx.Error(v, "metadata.annotations." + PolicyResource.AuditAnnotation, value,
                    "must be \"true\" (audit: evaluate, never drop) or \"false\" (enforce); quote it in YAML.");
                return false;
        }
    }

    private static void CheckApiVersion(DocumentContext ctx, YamlMappingNode map, Dictionary<string, YamlNode> fields)
    {
        var expected = ctx.Kind == PolicyKinds.NetworkPolicy ? "networking.k8s.io/v1" : "cilium.io/v2";
        if (!fields.TryGetValue("apiVersion", out var node))
        {
            ctx.Error(map, "apiVersion", null, "is required; use " + expected + ".");
            return;
        }
        var v = YamlNodes.Scalar(ctx, node, "apiVersion");
        if (v is not null && v != expected)
        {
            ctx.Error(node, "apiVersion", v, "does not serve " + ctx.Kind + "; use " + expected + ".");
        }
    }

    private static (string? Name, Dictionary<string, string> Labels) ReadMetadata(DocumentContext ctx, YamlMappingNode map, Dictionary<string, YamlNode> fields)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!fields.TryGetValue("metadata", out var metaNode))
        {
            ctx.Error(map, "metadata.name", null, "is required.");
            return (null, labels);
        }
        var meta = YamlNodes.Mapping(ctx, metaNode, "metadata", MetadataFields);
        if (meta is null)
        {
            return (null, labels);
        }
        string? name = null;
        if (!meta.TryGetValue("name", out var nameNode))
        {
            ctx.Error(metaNode, "metadata.name", null, "is required.");
        }
        else if ((name = YamlNodes.Scalar(ctx, nameNode, "metadata.name")) is not null && !NameRules.IsObjectName(name))
        {
            ctx.Error(nameNode, "metadata.name", name, "is not a valid name: lower-case letters, digits, '-' and '.', at most 253 characters.");
        }
        if (meta.TryGetValue("namespace", out var nsNode) && YamlNodes.Scalar(ctx, nsNode, "metadata.namespace") is { } ns)
        {
            if (ctx.Kind == PolicyKinds.CiliumClusterwideNetworkPolicy)
            {
                ctx.Error(nsNode, "metadata.namespace", ns, "is meaningless for a clusterwide policy; remove it (or use a CiliumNetworkPolicy).");
            }
            else if (!NameRules.IsObjectName(ns) || ns.Length > 63 || ns.Contains('.', StringComparison.Ordinal))
            {
                ctx.Error(nsNode, "metadata.namespace", ns, "is not a valid namespace name.");
            }
        }
        if (meta.TryGetValue("labels", out var labelsNode) && labelsNode is YamlMappingNode lm)
        {
            foreach (var (k, v) in lm.Children)
            {
                labels[(k as YamlScalarNode)?.Value ?? ""] = (v as YamlScalarNode)?.Value ?? "";
            }
        }
        return (name, labels);
    }

    private static string? Peek(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

    private static string? PeekMetadata(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) && m is YamlMappingNode meta ? Peek(meta, key) : null;
}
