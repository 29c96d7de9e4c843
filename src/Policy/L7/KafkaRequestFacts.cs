namespace CiliumL7.Policy.L7;

/// <summary>What a Kafka rule looks at in one request.</summary>
/// <param name="ApiKey">The request's API key.</param>
/// <param name="ApiVersion">The request's API version.</param>
/// <param name="ClientId">The client id; null when absent.</param>
/// <param name="Topics">Every topic the request names (empty when none).</param>
public readonly record struct KafkaRequestFacts(short ApiKey, short ApiVersion, string? ClientId, IReadOnlyList<string> Topics);
