namespace CiliumL7.Proxy.Kafka;

/// <summary>Limits of one proxied Kafka connection.</summary>
public sealed record KafkaProxyOptions
{
    /// <summary>
    /// The largest request frame (size prefix excluded) the proxy accepts at all; a
    /// larger one closes the connection. The default is the broker's own
    /// (<c>socket.request.max.bytes</c>, 100 MiB): only a Produce gets that large, and
    /// its records are streamed, never buffered whole.
    /// </summary>
    public int MaxRequestBytes { get; init; } = 100 * 1024 * 1024;

    /// <summary>
    /// The largest request frame (size prefix excluded) buffered whole to be judged.
    /// Above it, a Produce is streamed (<see cref="KafkaProduceStreamer"/>: topic names
    /// judged as they are read, records passed through in chunks) and any other request
    /// closes the connection. Clients' defaults (librdkafka <c>message.max.bytes</c>,
    /// Java <c>max.request.size</c>) are about 1 MB; at most the transport's read buffer.
    /// </summary>
    public int MaxBufferedRequestBytes { get; init; } = 1024 * 1024;

    /// <summary>The largest broker response frame; responses are streamed, not buffered (except ApiVersions).</summary>
    public int MaxResponseBytes { get; init; } = int.MaxValue;

    /// <summary>The largest ApiVersions response, which is buffered to be rewritten.</summary>
    public int MaxApiVersionsResponseBytes { get; init; } = 64 * 1024;

    /// <summary>Requests awaiting their response before the proxy stops reading the client.</summary>
    public int MaxInFlightRequests { get; init; } = 256;
}
