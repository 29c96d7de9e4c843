namespace CiliumL7.Connectivity.Model;

/// <summary>The Kafka request an action makes with kcat to the test broker.</summary>
/// <param name="Role">Produce or consume.</param>
/// <param name="Topic">The topic.</param>
public sealed record KafkaRequestSpec(KafkaRole Role, string Topic);
