namespace CiliumL7.Policy.Tracing;

/// <summary>A Kafka request for a trace.</summary>
/// <param name="ApiKey">The API key number.</param>
/// <param name="ApiVersion">The API version.</param>
/// <param name="ClientId">The client id, if any.</param>
/// <param name="Topics">The topics the request names.</param>
public sealed record TraceKafkaRequest(short ApiKey, short ApiVersion, string? ClientId, IReadOnlyList<string> Topics);
