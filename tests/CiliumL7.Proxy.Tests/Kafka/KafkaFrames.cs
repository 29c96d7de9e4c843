namespace CiliumL7.Proxy.Tests.Kafka;

/// <summary>Request bodies (after the size prefix) as current clients send them, byte by byte.</summary>
internal static class KafkaFrames
{
    public const string Orders = "00 0d 'empire-orders'";
    public const string Plans = "00 0c 'empire-plans'";

    /// <summary>Produce v3 (header v1): acks -1, one record blob 'abc' to empire-orders partition 0.</summary>
    public static string ProduceV3(int correlation = 7, string topic = Orders, short acks = -1) =>
        $"00 00 00 03 {correlation:x8} 00 07 'rdkafka' ff ff {acks:x4} 00 00 75 30 00 00 00 01 {topic} 00 00 00 01 00 00 00 00 00 00 00 03 'abc'";

    /// <summary>Produce v9 (flexible, header v2) to empire-orders partition 2.</summary>
    public const string ProduceV9 =
        "00 00 00 09 00 00 00 08 00 07 'rdkafka' 00 | 00 ff ff 00 00 75 30 | 02 0e 'empire-orders' 02 00 00 00 02 04 'abc' 00 00 00";

    /// <summary>Metadata v1 naming topics.</summary>
    public static string MetadataV1(int correlation, params string[] topics) =>
        $"00 03 00 01 {correlation:x8} 00 07 'rdkafka' {topics.Length:x8} {string.Join(' ', topics)}";

    /// <summary>Metadata v12 (flexible): empire-orders by name, zero topic id, auto-create on.</summary>
    public const string MetadataV12 =
        "00 03 00 0c 00 00 00 05 00 07 'rdkafka' 00 | 02 x16*00 0e 'empire-orders' 00 | 01 00 00";

    /// <summary>Fetch v11: empire-orders partition 0 from offset 0.</summary>
    public const string FetchV11 =
        "00 01 00 0b 00 00 00 09 00 07 'rdkafka' | ff ff ff ff 00 00 01 f4 00 00 00 01 03 20 00 00 00 00 00 00 00 ff ff ff ff" +
        " 00 00 00 01 00 0d 'empire-orders' 00 00 00 01 00 00 00 00 ff ff ff ff x8*00 x8*ff 00 10 00 00 | 00 00 00 00 | 00 00";

    /// <summary>Fetch v12 (flexible): empire-orders partitions 0 and 1.</summary>
    public const string FetchV12 =
        "00 01 00 0c 00 00 00 0a 00 07 'rdkafka' 00 | ff ff ff ff 00 00 01 f4 00 00 00 01 03 20 00 00 00 00 00 00 00 ff ff ff ff" +
        " 02 0e 'empire-orders' 03" +
        " 00 00 00 00 ff ff ff ff x8*00 ff ff ff ff x8*ff 00 10 00 00 00" +
        " 00 00 00 01 ff ff ff ff x8*00 ff ff ff ff x8*ff 00 10 00 00 00 00 | 01 | 01 | 00";

    /// <summary>ListOffsets v7 (flexible): empire-orders partition 0, latest.</summary>
    public const string ListOffsetsV7 =
        "00 02 00 07 00 00 00 0b 00 07 'rdkafka' 00 | ff ff ff ff 00 | 02 0e 'empire-orders' 02 00 00 00 00 ff ff ff ff x8*ff 00 00 | 00";

    /// <summary>OffsetCommit v8 (flexible): group g1 commits empire-orders partition 0 at 42.</summary>
    public const string OffsetCommitV8 =
        "00 08 00 08 00 00 00 0c 00 07 'rdkafka' 00 | 03 'g1' 00 00 00 01 03 'm1' 00 | 02 0e 'empire-orders' 02 00 00 00 00 00 00 00 00 00 00 00 2a ff ff ff ff 01 00 00 | 00";

    /// <summary>OffsetFetch v8 (flexible, groups): g1 asks empire-orders partition 0.</summary>
    public const string OffsetFetchV8 =
        "00 09 00 08 00 00 00 0d 00 07 'rdkafka' 00 | 02 03 'g1' 02 0e 'empire-orders' 02 00 00 00 00 00 00 | 00 00";

    /// <summary>OffsetFetch v1: group g1, empire-orders partition 0.</summary>
    public const string OffsetFetchV1 =
        "00 09 00 01 00 00 00 0e 00 07 'rdkafka' | 00 02 'g1' 00 00 00 01 00 0d 'empire-orders' 00 00 00 01 00 00 00 00";

    /// <summary>FindCoordinator v4 (flexible): group g1.</summary>
    public const string FindCoordinatorV4 =
        "00 0a 00 04 00 00 00 0f 00 07 'rdkafka' 00 | 00 02 03 'g1' 00";

    /// <summary>Heartbeat v4 (flexible): no topic; the body is the broker's business.</summary>
    public const string HeartbeatV4 =
        "00 0c 00 04 00 00 00 10 00 07 'rdkafka' 00 | 03 'g1' 00 00 00 01 03 'm1' 00 00";

    /// <summary>ApiVersions v3: request header v2, compact client software name and version.</summary>
    public const string ApiVersionsV3 =
        "00 12 00 03 00 00 00 01 00 07 'rdkafka' 00 | 0b 'librdkafka' 06 '2.0.2' 00";

    /// <summary>CreateTopics v5 (flexible): empire-orders, 3 partitions, replication 1.</summary>
    public const string CreateTopicsV5 =
        "00 13 00 05 00 00 00 11 00 07 'rdkafka' 00 | 02 0e 'empire-orders' 00 00 00 03 00 01 01 01 00 | 00 00 75 30 00 00";

    /// <summary>DeleteTopics v1: empire-plans.</summary>
    public const string DeleteTopicsV1 =
        "00 14 00 01 00 00 00 12 00 07 'rdkafka' | 00 00 00 01 00 0c 'empire-plans' 00 00 75 30";
}
