namespace CiliumL7.Hubble.Filters;

/// <summary>
/// Hubble's pod/service filter: "[namespace/][name-prefix]". Without a slash
/// the namespace is "default"; "ns/" selects every pod of a namespace.
/// </summary>
internal readonly record struct NamespacedNameMatcher(string Namespace, string Prefix)
{
    public static NamespacedNameMatcher Parse(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var ns = value[..slash];
            var name = value[(slash + 1)..];
            if (ns.Length == 0 && name.Length == 0)
            {
                throw new FormatException("must be [namespace/][<name>]");
            }
            return new NamespacedNameMatcher(ns, name);
        }
        if (value.Length == 0)
        {
            throw new FormatException("must be [namespace/][<name>]");
        }
        return new NamespacedNameMatcher("default", value);
    }

    public bool Matches(string ns, string name)
        => string.Equals(ns, Namespace, StringComparison.Ordinal)
           && (Prefix.Length == 0 || name.StartsWith(Prefix, StringComparison.Ordinal));
}
