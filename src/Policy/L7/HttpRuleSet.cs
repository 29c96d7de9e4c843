namespace CiliumL7.Policy.L7;

/// <summary>
/// The HTTP rules that apply to one peer on one redirected port: the rules OR
/// together; a request that matches none is denied. <see cref="AllowAll"/> is
/// the wildcard a peer gets when its rule names no L7 rules on that port.
/// Immutable; shared by every connection that reads the same policy snapshot.
/// </summary>
public sealed class HttpRuleSet : L7RuleSet<HttpRuleSet, IHttpRequestFacts>
{
    private readonly HttpRule[] _rules;

    // Matching stays nearly flat in the number of rules: rules whose path is a plain literal
    // are found by one lookup of the whole target; regex paths are grouped by their literal
    // prefix (one lookup per distinct prefix length) and, inside a group, by their literal
    // foot (one lookup per distinct foot length); only rules with neither are scanned.
    // All index lists are ascending (policy order).
    private readonly Dictionary<string, int[]> _byLiteralPath;
    private readonly Dictionary<string, HttpRuleBucket>.AlternateLookup<ReadOnlySpan<char>> _byPrefix;
    private readonly int[] _prefixLengths;
    private readonly HttpRuleBucket _scan;

    /// <summary>Creates a rule set; <paramref name="deciderName"/> names the policy reported for a deny.</summary>
    public HttpRuleSet(IReadOnlyList<HttpRule> rules, string? deciderName)
        : base(deciderName, allowAll: false)
    {
        _rules = [.. rules];
        var literal = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var prefixed = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var scan = new List<int>();
        for (var i = 0; i < _rules.Length; i++)
        {
            var target = _rules[i].LiteralPath is { } path ? literal : _rules[i].PathPrefix.Length > 0 ? prefixed : null;
            if (target is null)
            {
                scan.Add(i);
                continue;
            }
            var key = _rules[i].LiteralPath ?? _rules[i].PathPrefix;
            if (!target.TryGetValue(key, out var list))
            {
                target[key] = list = [];
            }
            list.Add(i);
        }
        _byLiteralPath = Freeze(literal);
        var byPrefix = new Dictionary<string, HttpRuleBucket>(prefixed.Count, StringComparer.Ordinal);
        foreach (var (prefix, list) in prefixed)
        {
            byPrefix[prefix] = new HttpRuleBucket(list, _rules);
        }
        _byPrefix = byPrefix.GetAlternateLookup<ReadOnlySpan<char>>();
        _prefixLengths = [.. byPrefix.Keys.Select(k => k.Length).Distinct().Order()];
        _scan = new HttpRuleBucket(scan, _rules);
    }

    private HttpRuleSet(string? deciderName, bool allowAll)
        : base(deciderName, allowAll)
    {
        _rules = [];
        _byLiteralPath = [];
        _byPrefix = new Dictionary<string, HttpRuleBucket>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _prefixLengths = [];
        _scan = new HttpRuleBucket([], _rules);
    }

    /// <summary>The wildcard: every request allowed.</summary>
    public static HttpRuleSet AllowAll { get; } = new(null, allowAll: true);

    /// <summary>Creates a wildcard set attributed to a policy (for flow events).</summary>
    public static HttpRuleSet AllowAllBy(string? policyName) => new(policyName, allowAll: true);

    /// <inheritdoc />
    public override Resolution.L7Parser Parser => Resolution.L7Parser.Http;

    /// <inheritdoc />
    public override int RuleCount => _rules.Length;

    /// <summary>The compiled rules, in policy order.</summary>
    public IReadOnlyList<HttpRule> Rules => _rules;

    /// <inheritdoc />
    protected override L7Verdict JudgeRules(IHttpRequestFacts request)
    {
        var index = FirstMatch(request);
        return index >= 0 ? new L7Verdict(true, _rules[index].PolicyName) : new L7Verdict(false, DeciderName);
    }

    /// <summary>The first rule (in policy order) matching the request, or null (for traces and flow attribution).</summary>
    public HttpRule? FindMatch(IHttpRequestFacts request)
    {
        var index = IsAllowAll ? -1 : FirstMatch(request);
        return index >= 0 ? _rules[index] : null;
    }

    private int FirstMatch(IHttpRequestFacts request)
    {
        // The lowest matching index over every candidate list is the first match in policy order.
        var target = request.PathAndQuery;
        var best = int.MaxValue;
        if (_byLiteralPath.Count > 0 && _byLiteralPath.TryGetValue(target, out var exact))
        {
            best = FirstIn(exact, best, request);
        }
        foreach (var length in _prefixLengths)
        {
            if (length > target.Length)
            {
                break;
            }
            if (_byPrefix.TryGetValue(target.AsSpan(0, length), out var bucket))
            {
                best = FirstIn(bucket, target, best, request);
            }
        }
        best = FirstIn(_scan, target, best, request);
        return best == int.MaxValue ? -1 : best;
    }

    private int FirstIn(HttpRuleBucket bucket, string target, int best, IHttpRequestFacts request)
    {
        best = FirstIn(bucket.NoFoot, best, request);
        foreach (var length in bucket.FootLengths)
        {
            if (length > target.Length)
            {
                break;
            }
            if (bucket.ByFoot.TryGetValue(target.AsSpan(target.Length - length), out var candidates))
            {
                best = FirstIn(candidates, best, request);
            }
        }
        return best;
    }

    private int FirstIn(int[] indexes, int best, IHttpRequestFacts request)
    {
        foreach (var index in indexes)
        {
            if (index >= best)
            {
                break;
            }
            if (_rules[index].Matches(request))
            {
                return index;
            }
        }
        return best;
    }

    private static Dictionary<string, int[]> Freeze(Dictionary<string, List<int>> lists)
    {
        var frozen = new Dictionary<string, int[]>(lists.Count, StringComparer.Ordinal);
        foreach (var (key, list) in lists)
        {
            frozen[key] = [.. list];
        }
        return frozen;
    }
}
