namespace CiliumL7.Proxy.Kafka;

/// <summary>What <see cref="KafkaProduceStreamer"/> does with the bytes of a Produce too large to buffer.</summary>
internal enum KafkaStreamMode
{
    /// <summary>Kept while they fit in the hold: no verdict yet.</summary>
    Hold,

    /// <summary>Passed to the broker as they arrive: every topic so far allowed.</summary>
    Forward,

    /// <summary>Read and dropped: a topic was denied before anything was forwarded.</summary>
    Discard,
}
