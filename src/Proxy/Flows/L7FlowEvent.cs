using CiliumL7.Policy;

namespace CiliumL7.Proxy.Flows;

/// <summary>
/// One L7 flow as the proxy reports it. <see cref="Source"/> and
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
    /// Request flows: FORWARDED, DROPPED (policy deny → 403) or ERROR (malformed → 400).
    /// Response flows are always FORWARDED (the response, also a proxy-made 403/400,
    /// reached the client), as Cilium reports them.
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

    /// <summary>The HTTP details.</summary>
    public required HttpFlowInfo Http { get; init; }

    /// <summary>Same value on a request and its response.</summary>
    public required ulong RequestId { get; init; }
}
