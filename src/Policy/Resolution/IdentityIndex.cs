using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// Label index over a set of identities, so that a selector costs the size of
/// its smallest matchLabels bucket (or its namespace bucket) instead of a scan.
/// Selectors that need a full scan are cached per canonical form.
/// </summary>
internal sealed class IdentityIndex
{
    private readonly List<(uint Id, LabelSet Labels)> _all = [];
    private readonly Dictionary<(string Key, string Value), List<int>> _byKeyValue = [];
    private readonly Dictionary<(string, NamespaceScope), uint[]> _scanCache = [];

    public IdentityIndex(IEnumerable<KeyValuePair<uint, LabelSet>> identities)
    {
        foreach (var (id, labels) in identities)
        {
            var index = _all.Count;
            _all.Add((id, labels));
            foreach (var label in labels)
            {
                if (!_byKeyValue.TryGetValue((label.Key, label.Value), out var list))
                {
                    _byKeyValue[(label.Key, label.Value)] = list = [];
                }
                list.Add(index);
            }
        }
    }

    /// <summary>The identities selected by <paramref name="selector"/> within <paramref name="scope"/> (ascending).</summary>
    public uint[] Select(EndpointSelector selector, NamespaceScope scope)
    {
        List<int>? candidates = null;
        foreach (var (k, v) in selector.MatchLabels)
        {
            var (_, key) = Label.SplitSource(k, Label.SourceAny);
            if (!_byKeyValue.TryGetValue((key, v), out var bucket))
            {
                return [];
            }
            if (candidates is null || bucket.Count < candidates.Count)
            {
                candidates = bucket;
            }
        }
        if (scope.Namespace is not null)
        {
            if (!_byKeyValue.TryGetValue((Label.NamespaceKey, scope.Namespace), out var nsBucket))
            {
                return [];
            }
            if (candidates is null || nsBucket.Count < candidates.Count)
            {
                candidates = nsBucket;
            }
        }
        if (candidates is not null)
        {
            var result = new List<uint>(candidates.Count);
            foreach (var i in candidates)
            {
                var (id, labels) = _all[i];
                if (scope.Admits(labels) && SelectorMatcher.Matches(selector, labels))
                {
                    result.Add(id);
                }
            }
            result.Sort();
            return [.. result];
        }
        var cacheKey = (selector.ToCanonicalString(), scope);
        if (_scanCache.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }
        var all = new List<uint>();
        foreach (var (id, labels) in _all)
        {
            if (scope.Admits(labels) && SelectorMatcher.Matches(selector, labels))
            {
                all.Add(id);
            }
        }
        all.Sort();
        return _scanCache[cacheKey] = [.. all];
    }
}
