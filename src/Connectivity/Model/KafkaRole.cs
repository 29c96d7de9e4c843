namespace CiliumL7.Connectivity.Model;

/// <summary>What a Kafka action does with kcat (the roles of Cilium's Kafka rules).</summary>
public enum KafkaRole
{
    /// <summary>kcat -P: produce one message to the topic.</summary>
    Produce,

    /// <summary>kcat -C: read the topic from the beginning to its end.</summary>
    Consume,
}
