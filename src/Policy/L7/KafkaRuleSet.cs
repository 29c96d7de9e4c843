namespace CiliumL7.Policy.L7;

/// <summary>
/// The Kafka rules that apply to one peer on one redirected port. A request is
/// allowed only when every topic it names is allowed by some rule matching its
/// API key, version and client id (a request naming no topic needs one such
/// rule); otherwise the proxy answers error 29 (TOPIC_AUTHORIZATION_FAILED).
/// </summary>
public sealed class KafkaRuleSet : L7RuleSet<KafkaRuleSet, KafkaRequestFacts>
{
    private readonly KafkaRule[] _rules;

    /// <summary>Creates a rule set; <paramref name="deciderName"/> names the policy reported for a deny.</summary>
    public KafkaRuleSet(IReadOnlyList<KafkaRule> rules, string? deciderName)
        : base(deciderName, allowAll: false)
    {
        _rules = [.. rules];
    }

    private KafkaRuleSet(string? deciderName, bool allowAll)
        : base(deciderName, allowAll)
    {
        _rules = [];
    }

    /// <summary>The wildcard: every request allowed.</summary>
    public static KafkaRuleSet AllowAll { get; } = new(null, allowAll: true);

    /// <summary>A wildcard set attributed to a policy.</summary>
    public static KafkaRuleSet AllowAllBy(string? policyName) => new(policyName, allowAll: true);

    /// <inheritdoc />
    public override Resolution.L7Parser Parser => Resolution.L7Parser.Kafka;

    /// <inheritdoc />
    public override int RuleCount => _rules.Length;

    /// <summary>The compiled rules, in policy order.</summary>
    public IReadOnlyList<KafkaRule> Rules => _rules;

    /// <summary>Judges one request.</summary>
    public L7Verdict Judge(short apiKey, short apiVersion, string? clientId, IReadOnlyList<string> topics) =>
        Judge(new KafkaRequestFacts(apiKey, apiVersion, clientId, topics));

    /// <inheritdoc />
    protected override L7Verdict JudgeRules(KafkaRequestFacts request)
    {
        var (apiKey, apiVersion, clientId, topics) = request;
        string? decider = null;
        if (topics.Count == 0)
        {
            foreach (var rule in _rules)
            {
                if (rule.MatchesRequest(apiKey, apiVersion, clientId))
                {
                    return new L7Verdict(true, rule.PolicyName);
                }
            }
            return new L7Verdict(false, DeciderName);
        }
        for (var t = 0; t < topics.Count; t++)
        {
            var allowed = false;
            foreach (var rule in _rules)
            {
                if (rule.MatchesRequest(apiKey, apiVersion, clientId) && rule.AllowsTopic(topics[t]))
                {
                    allowed = true;
                    decider ??= rule.PolicyName;
                    break;
                }
            }
            if (!allowed)
            {
                return new L7Verdict(false, DeciderName);
            }
        }
        return new L7Verdict(true, decider);
    }
}
