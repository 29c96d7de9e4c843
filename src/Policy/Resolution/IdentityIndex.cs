using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// Label index over a set of identities, so that a selector costs the size of
/// its smallest matchLabels bucket instead of a scan. Results are cached per
/// canonical selector.
/// </summary>
internal sealed class IdentityIndex
{
    private readonly List<(uint Id, LabelSet Labels)> _all = [];
    private readonly Dictionary<string, List<int>> _byKeyValue = new(StringComparer.Ordinal);
    private readonly Dictionary<string, uint[]> _cache = new(StringComparer.Ordinal);

    public IdentityIndex(IEnumerable<KeyValuePair<uint, LabelSet>> identities)
    {
        foreach (var (id, labels) in identities)
        {
            var index = _all.Count;
            _all.Add((id, labels));
            foreach (var label in labels)
            {
                var k = label.Key + "=" + label.Value;
                if (!_byKeyValue.TryGetValue(k, out var list))
                {
                    _byKeyValue[k] = list = [];
                }
                list.Add(index);
            }
        }
    }

    public IReadOnlyList<(uint Id, LabelSet Labels)> All => _all;

    /// <summary>The identities selected by <paramref name="selector"/> (sorted).</summary>
    public uint[] Select(EndpointSelector selector)
    {
        var cacheKey = selector.ToCanonicalString();
        if (_cache.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }
        List<int>? candidates = null;
        foreach (var (k, v) in selector.MatchLabels)
        {
            var (_, key) = Label.SplitSource(k, Label.SourceAny);
            if (!_byKeyValue.TryGetValue(key + "=" + v, out var bucket))
            {
                _cache[cacheKey] = [];
                return [];
            }
            if (candidates is null || bucket.Count < candidates.Count)
            {
                candidates = bucket;
            }
        }
        var result = new List<uint>();
        if (candidates is null)
        {
            foreach (var (id, labels) in _all)
            {
                if (SelectorMatcher.Matches(selector, labels))
                {
                    result.Add(id);
                }
            }
        }
        else
        {
            foreach (var i in candidates)
            {
                var (id, labels) = _all[i];
                if (SelectorMatcher.Matches(selector, labels))
                {
                    result.Add(id);
                }
            }
        }
        result.Sort();
        var array = result.ToArray();
        _cache[cacheKey] = array;
        return array;
    }
}
