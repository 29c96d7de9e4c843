using CiliumL7.Policy.Identity;

namespace CiliumL7.Agent.Identity;

/// <summary>
/// Label handling for endpoints: <c>key=value</c> from the CNI gets the
/// <c>k8s:</c> source; the namespace label is added; the security-relevant
/// subset decides the identity (Cilium's security-relevant label filter).
/// </summary>
internal static class EndpointLabels
{
    public const string NamespaceKey = "io.kubernetes.pod.namespace";

    /// <summary>All labels of a pod, as sorted <c>source:key=value</c> strings.</summary>
    public static List<string> Normalize(IEnumerable<string> labels, string podNamespace)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var raw in labels)
        {
            var label = raw.Trim();
            if (label.Length == 0)
            {
                continue;
            }
            var eq = label.IndexOf('=', StringComparison.Ordinal);
            var colon = label.IndexOf(':', StringComparison.Ordinal);
            var hasSource = colon > 0 && (eq < 0 || colon < eq);
            if (!hasSource)
            {
                label = "k8s:" + label;
            }
            set.Add(label);
        }
        set.RemoveWhere(l => l.StartsWith("k8s:" + NamespaceKey + "=", StringComparison.Ordinal));
        set.Add("k8s:" + NamespaceKey + "=" + podNamespace);
        return [.. set];
    }

    /// <summary>The security-relevant labels (the policy engine's filter): what identities are allocated for.</summary>
    public static List<string> SecurityRelevant(IEnumerable<string> labels) =>
        [.. SecurityLabels.Filter(labels.Select(l => Label.Parse(l))).ToStrings()];

    /// <summary>Cilium's label key string, e.g. <c>k8s:app=foo;k8s:io.kubernetes.pod.namespace=default;</c>.</summary>
    public static string Key(IEnumerable<string> sortedLabels) => string.Concat(sortedLabels.Select(l => l + ";"));
}
