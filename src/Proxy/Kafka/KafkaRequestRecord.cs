using CiliumL7.Proxy.Flows;

namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// What the proxy did with one Kafka request, for the flow: FORWARDED (to the
/// broker), DROPPED (policy deny, answered with <see cref="ErrorCode"/>), or ERROR
/// (a frame the proxy could not understand; the connection was closed).
/// </summary>
public readonly record struct KafkaRequestRecord(
    short ApiKey,
    short ApiVersion,
    int CorrelationId,
    string? ClientId,
    IReadOnlyList<string> Topics,
    FlowVerdict Verdict,
    short ErrorCode,
    string? PolicyName,
    string? Reason);
