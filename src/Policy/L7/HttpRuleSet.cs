namespace CiliumL7.Policy.L7;

/// <summary>
/// The HTTP rules that apply to one peer on one redirected port: the rules OR
/// together; a request that matches none is denied. <see cref="AllowAll"/> is
/// the wildcard a peer gets when its rule names no L7 rules on that port.
/// Immutable; shared by every connection that reads the same policy snapshot.
/// </summary>
public sealed class HttpRuleSet
{
    private static readonly int[] NoIndexes = [];
    private readonly HttpRule[] _rules;

    // Rules whose path is a plain literal, by that literal (rule indexes, ascending): one lookup
    // instead of one regex per rule, so matching stays nearly flat in the number of rules.
    private readonly Dictionary<string, int[]> _byLiteralPath;

    // Every other rule (regex path, or no path), ascending.
    private readonly int[] _scan;

    /// <summary>Creates a rule set; <paramref name="deciderName"/> names the policy reported for a deny.</summary>
    public HttpRuleSet(IReadOnlyList<HttpRule> rules, string? deciderName)
    {
        _rules = [.. rules];
        DeciderName = deciderName;
        var literal = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var scan = new List<int>();
        for (var i = 0; i < _rules.Length; i++)
        {
            if (_rules[i].LiteralPath is { } path)
            {
                if (!literal.TryGetValue(path, out var list))
                {
                    literal[path] = list = [];
                }
                list.Add(i);
            }
            else
            {
                scan.Add(i);
            }
        }
        _byLiteralPath = new Dictionary<string, int[]>(literal.Count, StringComparer.Ordinal);
        foreach (var (path, list) in literal)
        {
            _byLiteralPath[path] = [.. list];
        }
        _scan = [.. scan];
    }

    private HttpRuleSet(string? deciderName, bool allowAll)
    {
        _rules = [];
        _byLiteralPath = [];
        _scan = [];
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

    /// <summary>Judges one request: allowed when any rule matches.</summary>
    public L7Verdict Judge(IHttpRequestFacts request)
    {
        if (IsAllowAll)
        {
            return new L7Verdict(true, DeciderName);
        }
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
        var target = request.PathAndQuery;
        var exact = _byLiteralPath.Count > 0 && _byLiteralPath.TryGetValue(target, out var found) ? found : NoIndexes;
        int e = 0, s = 0;
        while (e < exact.Length || s < _scan.Length)
        {
            // Merge both ascending lists so the first match in policy order wins.
            int index;
            if (s >= _scan.Length || (e < exact.Length && exact[e] < _scan[s]))
            {
                index = exact[e++];
            }
            else
            {
                index = _scan[s++];
                if (!target.StartsWith(_rules[index].PathPrefix, StringComparison.Ordinal))
                {
                    continue;
                }
            }
            if (_rules[index].Matches(request))
            {
                return index;
            }
        }
        return -1;
    }
}
