namespace CiliumL7.Policy.L7;

/// <summary>
/// One compiled Kafka rule: the API keys it allows (from <c>role</c> or
/// <c>apiKey</c>; null = any), optional exact <c>apiVersion</c>,
/// <c>clientID</c> and <c>topic</c>.
/// </summary>
public sealed class KafkaRule : IL7Rule
{
    /// <inheritdoc />
    public Resolution.L7Parser Parser => Resolution.L7Parser.Kafka;

    private readonly short[]? _apiKeys;

    /// <summary>Creates a rule.</summary>
    public KafkaRule(IReadOnlyList<short>? apiKeys, short? apiVersion, string? clientId, string? topic, string policyName, string? rulePath = null)
    {
        _apiKeys = apiKeys is null ? null : [.. apiKeys];
        ApiVersion = apiVersion;
        ClientId = string.IsNullOrEmpty(clientId) ? null : clientId;
        Topic = string.IsNullOrEmpty(topic) ? null : topic;
        PolicyName = policyName;
        RulePath = rulePath;
    }

    /// <summary>Compiles a <c>PortRuleKafka</c> (role expanded; unknown keys never match).</summary>
    public static KafkaRule FromSpec(Api.PortRuleKafka spec, string policyName, string? rulePath = null)
    {
        IReadOnlyList<short>? keys = null;
        if (!string.IsNullOrEmpty(spec.Role))
        {
            keys = string.Equals(spec.Role, "produce", StringComparison.OrdinalIgnoreCase) ? KafkaApiKeys.ProduceRole : KafkaApiKeys.ConsumeRole;
        }
        else if (!string.IsNullOrEmpty(spec.ApiKey))
        {
            keys = KafkaApiKeys.TryParse(spec.ApiKey, out var k) ? [k] : [];
        }
        short? version = short.TryParse(spec.ApiVersion, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
        return new KafkaRule(keys, version, spec.ClientId, spec.Topic, policyName, rulePath);
    }

    /// <summary>The allowed API keys; null = any.</summary>
    public IReadOnlyList<short>? ApiKeys => _apiKeys;

    /// <summary>The required API version, if any.</summary>
    public short? ApiVersion { get; }

    /// <summary>The required client id, if any.</summary>
    public string? ClientId { get; }

    /// <summary>The allowed topic, if any (null = every topic).</summary>
    public string? Topic { get; }

    /// <summary>The policy this rule came from.</summary>
    public string PolicyName { get; }

    /// <summary>The field path of the rule, when known.</summary>
    public string? RulePath { get; }

    /// <summary>True when key, version and client id match (topic not considered).</summary>
    public bool MatchesRequest(short apiKey, short apiVersion, string? clientId)
    {
        if (_apiKeys is not null && Array.IndexOf(_apiKeys, apiKey) < 0)
        {
            return false;
        }
        if (ApiVersion is { } v && v != apiVersion)
        {
            return false;
        }
        return ClientId is null || string.Equals(ClientId, clientId, StringComparison.Ordinal);
    }

    /// <summary>True when the rule allows <paramref name="topic"/>.</summary>
    public bool AllowsTopic(string topic) => Topic is null || string.Equals(Topic, topic, StringComparison.Ordinal);
}
