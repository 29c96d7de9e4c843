using CiliumL7.Policy;

namespace CiliumL7.Proxy.Flows;

/// <summary>
/// One L7 flow as the proxy reports it, for every protocol (<see cref="Protocol"/>:
/// HTTP in <see cref="Http"/>, DNS in <see cref="Dns"/>, Kafka in <see cref="Kafka"/>). <see cref="Source"/> and
/// <see cref="Destination"/> follow the message: client → server for a request,
/// server → client for a response (<see cref="IsReply"/> true).
/// A value type of references that already exist (endpoints cached per
/// connection, the request's URL, method and header list): building one
/// allocates nothing, so the request path stays cheap; the Hubble
/// <c>Flow</c> is built later, off the request thread.
/// </summary>
public readonly record struct L7FlowEvent
{
    /// <summary>When the event happened.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Request or response.</summary>
    public required L7FlowType Type { get; init; }

    /// <summary>
    /// Request flows: FORWARDED, DROPPED (policy deny → HTTP 403, DNS REFUSED, Kafka error 29)
    /// or ERROR (malformed → HTTP 400). HTTP response flows are always FORWARDED (the
    /// response, also a proxy-made 403/400, reached the client), as Cilium reports them.
    /// </summary>
    public required FlowVerdict Verdict { get; init; }

    /// <summary>Direction of the redirect, seen from the endpoint whose policy applied.</summary>
    public required TrafficDirection Direction { get; init; }

    /// <summary>Sender of this message.</summary>
    public required FlowEndpoint Source { get; init; }

    /// <summary>Receiver of this message.</summary>
    public required FlowEndpoint Destination { get; init; }

    /// <summary>True for a response.</summary>
    public bool IsReply => Type == L7FlowType.Response;

    /// <summary>The proxy listener port that handled the connection.</summary>
    public required ushort ProxyPort { get; init; }

    /// <summary>The endpoint whose policy applied.</summary>
    public required uint EndpointId { get; init; }

    /// <summary>The policy (<c>namespace/name</c>) that allowed or denied the request; null when none applies.</summary>
    public string? PolicyName { get; init; }

    /// <summary>Request to response-headers latency in nanoseconds (responses only).</summary>
    public long LatencyNs { get; init; }

    /// <summary>The protocol of the flow: the one of <see cref="Dns"/>, <see cref="Kafka"/>, else HTTP.</summary>
    public ProxyType Protocol => Dns is not null ? ProxyType.Dns : Kafka is not null ? ProxyType.Kafka : ProxyType.Http;

    /// <summary>The HTTP details (an HTTP flow; default for the others).</summary>
    public HttpFlowInfo Http { get; init; }

    /// <summary>The DNS details; null unless a DNS flow.</summary>
    public DnsFlowInfo? Dns { get; init; }

    /// <summary>The Kafka details; null unless a Kafka flow.</summary>
    public KafkaFlowInfo? Kafka { get; init; }

    /// <summary>Same value on a request and its response.</summary>
    public required ulong RequestId { get; init; }

    /// <summary>
    /// For an AUDIT request flow: what enforcing would have answered, in the protocol's words
    /// (<c>403 Access denied</c>, <c>REFUSED</c>, <c>error 29 TOPIC_AUTHORIZATION_FAILED</c>); null otherwise.
    /// A constant string: setting it allocates nothing.
    /// </summary>
    public string? AuditOutcome { get; init; }
}
