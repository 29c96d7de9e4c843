namespace CiliumL7.Agent.Services;

/// <summary>
/// Service label selection: every selector pair must be present on the
/// endpoint with the same value. Keys compare without their source prefix
/// (<c>k8s:org</c> = <c>org</c>), as a Kubernetes Service selector does. An
/// empty selector selects nothing (a Service without selector has no
/// automatic backends).
/// </summary>
internal static class ServiceSelector
{
    public static bool Matches(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector.Count == 0)
        {
            return false;
        }
        foreach (var (key, value) in selector)
        {
            if (!TryGet(labels, StripSource(key), out var actual) || actual != value)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary><c>k8s:app</c> → <c>app</c>; keys without a source are returned unchanged.</summary>
    public static string StripSource(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? key : key[(colon + 1)..];
    }

    private static bool TryGet(IReadOnlyDictionary<string, string> labels, string bareKey, out string value)
    {
        foreach (var (key, v) in labels)
        {
            if (StripSource(key) == bareKey)
            {
                value = v;
                return true;
            }
        }
        value = "";
        return false;
    }
}
