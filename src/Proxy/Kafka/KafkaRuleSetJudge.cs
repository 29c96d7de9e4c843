using CiliumL7.Policy.L7;

namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// Judges requests with the rule set the current policy gives for the connection
/// (read once per request, so a policy change applies to the next request); no
/// rule set is a deny.
/// </summary>
public sealed class KafkaRuleSetJudge(Func<KafkaRuleSet?> ruleSet) : IKafkaRequestJudge
{
    /// <inheritdoc />
    public L7Verdict Judge(KafkaRequest request)
    {
        var rules = ruleSet();
        if (rules is null)
        {
            return new L7Verdict(false, null);
        }
        return rules.Judge((short)request.ApiKey, request.ApiVersion, request.ClientId, request.TopicNames());
    }
}
