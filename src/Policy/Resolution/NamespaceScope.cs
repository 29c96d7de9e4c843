namespace CiliumL7.Policy.Resolution;

/// <summary>
/// The implicit namespace condition CNP/CCNP scoping adds to a selector
/// (as Cilium scopes a CNP), applied during selection instead of rewriting the selector.
/// </summary>
/// <param name="Namespace">Required namespace (CNP), or null.</param>
/// <param name="MustHaveNamespace">True when the namespace label must exist (CCNP peers).</param>
internal readonly record struct NamespaceScope(string? Namespace, bool MustHaveNamespace)
{
    public static NamespaceScope None { get; } = new(null, false);

    /// <summary>The scope for a selector of a CNP in <paramref name="ns"/> (or CCNP peer when null).</summary>
    public static NamespaceScope For(Api.EndpointSelector selector, string? ns, bool clusterwidePeer)
    {
        if (SelectorMatcher.NamesNamespaceOrReserved(selector))
        {
            return None;
        }
        return ns is not null ? new NamespaceScope(ns, false) : clusterwidePeer ? new NamespaceScope(null, true) : None;
    }

    public bool Admits(Identity.LabelSet labels)
    {
        if (Namespace is null && !MustHaveNamespace)
        {
            return true;
        }
        var has = labels.TryGetValue(Identity.Label.SourceK8s, Identity.Label.NamespaceKey, out var ns);
        return Namespace is null ? has : has && ns == Namespace;
    }
}
