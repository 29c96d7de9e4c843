namespace CiliumL7.Policy.Identity;

/// <summary>
/// Cilium's security-relevant label filter: labels that change per rollout or
/// are Kubernetes bookkeeping never become part of an identity, so every pod
/// of a workload shares one identity. The namespace label is always kept.
/// </summary>
public static class SecurityLabels
{
    private static readonly string[] DroppedKeys =
    [
        "pod-template-hash",
        "controller-revision-hash",
        "pod-template-generation",
        "statefulset.kubernetes.io/pod-name",
        "batch.kubernetes.io/controller-uid",
        "controller-uid",
        "annotation.kubectl.kubernetes.io/last-applied-configuration",
    ];

    private static readonly string[] DroppedPrefixes =
    [
        "io.kubernetes",
        "kubernetes.io",
        "k8s.io",
        "annotation.",
        "io.cilium.k8s.policy",
        "job-name",
        "batch.kubernetes.io",
        "statefulset.kubernetes.io",
        "apps.kubernetes.io/pod-index",
    ];

    /// <summary>True when <paramref name="label"/> takes part in the identity.</summary>
    public static bool IsSecurityRelevant(Label label)
    {
        if (label.Source == Label.SourceReserved)
        {
            return true;
        }
        var key = label.Key;
        if (key == Label.NamespaceKey || key == "io.cilium.k8s.policy.serviceaccount" || key == "io.cilium.k8s.policy.cluster")
        {
            return true;
        }
        if (key.StartsWith("io.cilium.k8s.namespace.labels.", StringComparison.Ordinal))
        {
            return true;
        }
        foreach (var dropped in DroppedKeys)
        {
            if (key == dropped)
            {
                return false;
            }
        }
        foreach (var prefix in DroppedPrefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The security-relevant subset of <paramref name="labels"/>.</summary>
    public static LabelSet Filter(IEnumerable<Label> labels)
    {
        var kept = new List<Label>();
        foreach (var label in labels)
        {
            if (IsSecurityRelevant(label))
            {
                kept.Add(label);
            }
        }
        return new LabelSet(kept);
    }
}
