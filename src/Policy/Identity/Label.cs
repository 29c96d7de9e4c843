namespace CiliumL7.Policy.Identity;

/// <summary>
/// One label as Cilium writes it: <c>source:key=value</c> (sources: <c>k8s</c>,
/// <c>reserved</c>, <c>cidr</c>, <c>fqdn</c>, <c>any</c>, ...).
/// </summary>
/// <param name="Source">Where the label came from, e.g. <c>k8s</c>.</param>
/// <param name="Key">The label key, e.g. <c>app</c> or <c>io.kubernetes.pod.namespace</c>.</param>
/// <param name="Value">The value; empty for reserved labels such as <c>reserved:host</c>.</param>
public readonly record struct Label(string Source, string Key, string Value)
{
    /// <summary>The Kubernetes source, <c>k8s</c>.</summary>
    public const string SourceK8s = "k8s";

    /// <summary>The reserved source, <c>reserved</c>.</summary>
    public const string SourceReserved = "reserved";

    /// <summary>The CIDR source, <c>cidr</c>.</summary>
    public const string SourceCidr = "cidr";

    /// <summary>The wildcard source used by selectors, <c>any</c>.</summary>
    public const string SourceAny = "any";

    /// <summary>The namespace label key, <c>io.kubernetes.pod.namespace</c>.</summary>
    public const string NamespaceKey = "io.kubernetes.pod.namespace";

    /// <summary>A <c>k8s:</c> label.</summary>
    public static Label K8s(string key, string value) => new(SourceK8s, key, value);

    /// <summary>A <c>reserved:</c> label, e.g. <c>reserved:host</c>.</summary>
    public static Label Reserved(string key) => new(SourceReserved, key, "");

    /// <summary>
    /// Parses <c>[source:]key[=value]</c>; the source defaults to
    /// <paramref name="defaultSource"/> when absent.
    /// </summary>
    public static Label Parse(string text, string defaultSource = SourceK8s)
    {
        var (source, key) = SplitSource(text.Split('=', 2)[0], defaultSource);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        return new Label(source, key, eq < 0 ? "" : text[(eq + 1)..]);
    }

    /// <summary>Splits <c>source:key</c> into its parts (a key may itself contain no colon).</summary>
    public static (string Source, string Key) SplitSource(string keyWithSource, string defaultSource)
    {
        var colon = keyWithSource.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? (defaultSource, keyWithSource) : (keyWithSource[..colon], keyWithSource[(colon + 1)..]);
    }

    /// <summary>Ordinal order by source, key, value.</summary>
    public static int CompareOrdinal(Label a, Label b)
    {
        var c = string.CompareOrdinal(a.Source, b.Source);
        if (c != 0)
        {
            return c;
        }
        c = string.CompareOrdinal(a.Key, b.Key);
        return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
    }

    /// <summary><c>source:key=value</c> (or <c>source:key</c> when the value is empty).</summary>
    public override string ToString() => Value.Length == 0 ? Source + ":" + Key : Source + ":" + Key + "=" + Value;
}
