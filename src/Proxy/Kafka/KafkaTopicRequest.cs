namespace CiliumL7.Proxy.Kafka;

/// <summary>One topic a request names, with the partitions it names (empty when the API has none).</summary>
public sealed record KafkaTopicRequest(string Name, int[] Partitions);
