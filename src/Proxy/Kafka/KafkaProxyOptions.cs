namespace CiliumL7.Proxy.Kafka;

/// <summary>Limits of one proxied Kafka connection.</summary>
public sealed record KafkaProxyOptions
{
    /// <summary>
    /// The largest request frame (size prefix excluded) the proxy buffers to judge;
    /// a larger one closes the connection. Kafka's own 100 MiB default is too much
    /// for a proxy buffer; clients' defaults (librdkafka <c>message.max.bytes</c>,
    /// Java <c>max.request.size</c>) are about 1 MB.
    /// </summary>
    public int MaxRequestBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>The largest broker response frame; responses are streamed, not buffered (except ApiVersions).</summary>
    public int MaxResponseBytes { get; init; } = int.MaxValue;

    /// <summary>The largest ApiVersions response, which is buffered to be rewritten.</summary>
    public int MaxApiVersionsResponseBytes { get; init; } = 64 * 1024;

    /// <summary>Requests awaiting their response before the proxy stops reading the client.</summary>
    public int MaxInFlightRequests { get; init; } = 256;
}
