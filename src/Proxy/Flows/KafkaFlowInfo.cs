namespace CiliumL7.Proxy.Flows;

/// <summary>Hubble's <c>Kafka</c> message of a flow.</summary>
/// <param name="ErrorCode">The error code (0 on a request; 29 for a policy deny).</param>
/// <param name="ApiVersion">The request's API version.</param>
/// <param name="ApiKey">The API key's name (<c>produce</c>, <c>fetch</c>, …).</param>
/// <param name="CorrelationId">The request's correlation id.</param>
/// <param name="Topic">The topic (the first one a request names; empty when none).</param>
public sealed record KafkaFlowInfo(int ErrorCode, int ApiVersion, string ApiKey, int CorrelationId, string Topic);
