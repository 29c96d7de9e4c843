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

    /// <summary>Creates a rule set; <paramref name="deciderName"/> names the policy reported for a deny.</summary>
    public HttpRuleSet(IReadOnlyList<HttpRule> rules, string? deciderName)
    {
        _rules = [.. rules];
        DeciderName = deciderName;
    }

    private HttpRuleSet(string? deciderName, bool allowAll)
    {
        _rules = [];
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
        foreach (var rule in _rules)
        {
            if (rule.Matches(request))
            {
                return new L7Verdict(true, rule.PolicyName);
            }
        }
        return new L7Verdict(false, DeciderName);
    }
}
