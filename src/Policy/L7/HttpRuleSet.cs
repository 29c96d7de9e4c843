namespace CiliumL7.Policy.L7;

/// <summary>
/// The HTTP rules that apply to one peer on one redirected port: the rules OR
/// together; a request that matches none is denied. <see cref="AllowAll"/> is
/// the wildcard a peer gets when its rule names no L7 rules on that port.
/// Immutable; shared by every connection that reads the same policy snapshot.
/// </summary>
public sealed class HttpRuleSet
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

    // A second set that must allow too (the destination's ingress rules, when the egress proxy
    // forwards to a local endpoint whose ingress redirects the same port); null for none.
    private HttpRuleSet? _andThen;

    /// <summary>Creates a rule set; <paramref name="deciderName"/> names the policy reported for a deny.</summary>
    public HttpRuleSet(IReadOnlyList<HttpRule> rules, string? deciderName)
    {
        _rules = [.. rules];
        DeciderName = deciderName;
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
    {
        _rules = [];
        _byLiteralPath = [];
        _byPrefix = new Dictionary<string, HttpRuleBucket>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _prefixLengths = [];
        _scan = new HttpRuleBucket([], _rules);
        DeciderName = deciderName;
        IsAllowAll = allowAll;
    }

    /// <summary>The wildcard: every request allowed.</summary>
    public static HttpRuleSet AllowAll { get; } = new(null, allowAll: true);

    /// <summary>Creates a wildcard set attributed to a policy (for flow events).</summary>
    public static HttpRuleSet AllowAllBy(string? policyName) => new(policyName, allowAll: true);

    /// <summary>True for the wildcard set.</summary>
    public bool IsAllowAll { get; }

    /// <summary>The policy named when nothing matched (or when the wildcard allowed).</summary>
    public string? DeciderName { get; }

    /// <summary>The compiled rules, in policy order.</summary>
    public IReadOnlyList<HttpRule> Rules => _rules;

    /// <summary>True for a set in audit mode: a request it would deny is allowed, marked <see cref="L7Verdict.Audited"/>.</summary>
    public bool IsAudit { get; private set; }

    /// <summary>This set in audit mode (judged the same; a deny becomes an audited allow).</summary>
    public HttpRuleSet AsAudit()
    {
        if (IsAudit)
        {
            return this;
        }
        var audit = (HttpRuleSet)MemberwiseClone();
        audit.IsAudit = true;
        return audit;
    }

    /// <summary>The set that must allow a request after this one (see <see cref="AndThen"/>); null for none.</summary>
    public HttpRuleSet? Next => _andThen;

    /// <summary>
    /// A set that allows what both this set and <paramref name="next"/> allow,
    /// judged in that order (a deny names the policy of the set that denied).
    /// For the egress proxy of a connection to a local endpoint whose ingress
    /// redirects the same port: the destination's ingress rules apply too.
    /// </summary>
    public HttpRuleSet AndThen(HttpRuleSet next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var both = (HttpRuleSet)MemberwiseClone();
        both._andThen = _andThen is null ? next : _andThen.AndThen(next);
        return both;
    }

    /// <summary>Judges one request: allowed when any rule matches (and the <see cref="Next"/> set allows).</summary>
    public L7Verdict Judge(IHttpRequestFacts request)
    {
        var verdict = JudgeEnforced(request);
        return IsAudit && !verdict.Allowed ? new L7Verdict(true, verdict.PolicyName) { Audited = true } : verdict;
    }

    private L7Verdict JudgeEnforced(IHttpRequestFacts request)
    {
        L7Verdict verdict;
        if (IsAllowAll)
        {
            verdict = new L7Verdict(true, DeciderName);
        }
        else
        {
            var index = FirstMatch(request);
            verdict = index >= 0 ? new L7Verdict(true, _rules[index].PolicyName) : new L7Verdict(false, DeciderName);
        }
        if (!verdict.Allowed || _andThen is null)
        {
            return verdict;
        }
        var next = _andThen.Judge(request);
        return next.Allowed ? verdict : next;
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
