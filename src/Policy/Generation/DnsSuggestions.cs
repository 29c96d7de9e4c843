namespace CiliumL7.Policy.Generation;

/// <summary>Finds parent domains with many observed children: candidates for a <c>matchPattern</c>.</summary>
public static class DnsSuggestions
{
    /// <summary>
    /// (parent, count) for every parent domain (at least two labels, so never a
    /// bare TLD) that has <paramref name="threshold"/> or more distinct children
    /// among <paramref name="names"/>; ordered by parent.
    /// </summary>
    public static IEnumerable<(string Parent, int Count)> Siblings(IEnumerable<string> names, int threshold)
    {
        var byParent = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot == name.Length - 1)
            {
                continue;
            }
            var parent = name[(dot + 1)..];
            if (!parent.Contains('.', StringComparison.Ordinal))
            {
                continue;
            }
            byParent[parent] = byParent.TryGetValue(parent, out var n) ? n + 1 : 1;
        }
        foreach (var (parent, count) in byParent)
        {
            if (count >= threshold)
            {
                yield return (parent, count);
            }
        }
    }
}
