using CiliumL7.Policy.L7;

namespace CiliumL7.Proxy.Kafka;

/// <summary>Decides one parsed request (implemented over <see cref="KafkaRuleSet"/>).</summary>
public interface IKafkaRequestJudge
{
    /// <summary>The verdict for <paramref name="request"/>; fail closed when no rule set applies.</summary>
    L7Verdict Judge(KafkaRequest request);
}
