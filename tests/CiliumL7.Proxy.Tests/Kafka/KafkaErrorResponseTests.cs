using CiliumL7.Proxy.Kafka;

namespace CiliumL7.Proxy.Tests.Kafka;

public sealed class KafkaErrorResponseTests
{
    private const string Ff8 = "ff ff ff ff ff ff ff ff";

    public static TheoryData<string, string, string> Responses => new()
    {
        // name, request body, the response body (after the size prefix) byte for byte
        {
            "produce v3: error 29 on the partition, unknown offsets, throttle 0",
            KafkaFrames.ProduceV3(),
            $"00 00 00 07 | 00 00 00 01 {KafkaFrames.Orders} 00 00 00 01 00 00 00 00 00 1d {Ff8} {Ff8} | 00 00 00 00"
        },
        {
            "produce v9: response header v1, compact arrays, record_errors empty, error_message null",
            KafkaFrames.ProduceV9,
            $"00 00 00 08 00 | 02 0e 'empire-orders' 02 00 00 00 02 00 1d {Ff8} {Ff8} {Ff8} 01 00 00 00 | 00 00 00 00 00"
        },
        {
            "metadata v1: no brokers, controller -1, both topics carry 29",
            KafkaFrames.MetadataV1(1, KafkaFrames.Orders, KafkaFrames.Plans),
            $"00 00 00 01 | 00 00 00 00 ff ff ff ff 00 00 00 02 00 1d {KafkaFrames.Orders} 00 00 00 00 00 00 1d {KafkaFrames.Plans} 00 00 00 00 00"
        },
        {
            "metadata v12: throttle, null cluster id, topic id zero, authorized operations not requested",
            KafkaFrames.MetadataV12,
            "00 00 00 05 00 | 00 00 00 00 01 00 ff ff ff ff 02 00 1d 0e 'empire-orders' x16*00 00 01 80 00 00 00 00 00"
        },
        {
            "fetch v11: top-level no error, session 0, partition 29, aborted null, no preferred replica, empty records",
            KafkaFrames.FetchV11,
            $"00 00 00 09 | 00 00 00 00 00 00 00 00 00 00 00 00 00 01 {KafkaFrames.Orders} 00 00 00 01 00 00 00 00 00 1d {Ff8} {Ff8} {Ff8} ff ff ff ff ff ff ff ff 00 00 00 00"
        },
        {
            "list offsets v7: timestamp and offset -1, leader epoch -1",
            KafkaFrames.ListOffsetsV7,
            $"00 00 00 0b 00 | 00 00 00 00 02 0e 'empire-orders' 02 00 00 00 00 00 1d {Ff8} {Ff8} ff ff ff ff 00 00 00"
        },
        {
            "offset commit v8: 29 per partition",
            KafkaFrames.OffsetCommitV8,
            "00 00 00 0c 00 | 00 00 00 00 02 0e 'empire-orders' 02 00 00 00 00 00 1d 00 00 00"
        },
        {
            "offset fetch v8: 29 on the group",
            KafkaFrames.OffsetFetchV8,
            "00 00 00 0d 00 | 00 00 00 00 02 03 'g1' 01 00 1d 00 00"
        },
        {
            "offset fetch v1: per partition, no top-level error before v2",
            KafkaFrames.OffsetFetchV1,
            $"00 00 00 0e | 00 00 00 01 {KafkaFrames.Orders} 00 00 00 01 00 00 00 00 {Ff8} 00 00 00 1d"
        },
        {
            "find coordinator v4: one coordinator entry per key, no node",
            KafkaFrames.FindCoordinatorV4,
            "00 00 00 0f 00 | 00 00 00 00 02 03 'g1' ff ff ff ff 01 ff ff ff ff 00 1d 00 00 00"
        },
        {
            "heartbeat v4",
            KafkaFrames.HeartbeatV4,
            "00 00 00 10 00 | 00 00 00 00 00 1d 00"
        },
        {
            "api versions v3: response header v0 (no tagged fields), empty list",
            KafkaFrames.ApiVersionsV3,
            "00 00 00 01 | 00 1d 01 00 00 00 00 00"
        },
        {
            "create topics v5: unknown partitions and replication, configs null",
            KafkaFrames.CreateTopicsV5,
            "00 00 00 11 00 | 00 00 00 00 02 0e 'empire-orders' 00 1d 00 ff ff ff ff ff ff 00 00 00"
        },
        {
            "delete topics v1",
            KafkaFrames.DeleteTopicsV1,
            $"00 00 00 12 | 00 00 00 00 00 00 00 01 {KafkaFrames.Plans} 00 1d"
        },
    };

    [Theory]
    [MemberData(nameof(Responses))]
    public void Build_DeniedRequest_ResponseOfSameApiVersionAndCorrelation(string name, string request, string expected)
    {
        var parsed = KafkaRequestParser.Parse(KafkaHex.Bytes(request));

        var response = KafkaErrorResponse.Build(parsed, KafkaErrorCodes.TopicAuthorizationFailed);

        Assert.True(KafkaHex.Show(KafkaHex.Frame(expected)) == KafkaHex.Show(response), $"{name}:\n expected {KafkaHex.Show(KafkaHex.Frame(expected))}\n actual   {KafkaHex.Show(response)}");
    }

    [Fact]
    public void Cap_ApiVersionsV3_DropsUnknownApisAndCapsVersions()
    {
        // Produce 0..13 → 0..12; Fetch 4..17 → 4..12; LeaderAndIsr (4) dropped; throttle and tagged features kept.
        var broker = KafkaHex.Bytes("00 00 00 01 00 00 | 04 00 00 00 00 00 0d 00 00 01 00 04 00 11 00 00 04 00 00 00 07 00 | 00 00 00 00 01 00 01 07");

        var capped = KafkaApiVersionsCapper.Cap(broker, 3);

        Assert.Equal(KafkaHex.Show(KafkaHex.Frame("00 00 00 01 00 00 | 03 00 00 00 00 00 0c 00 00 01 00 04 00 0c 00 | 00 00 00 00 01 00 01 07")), KafkaHex.Show(capped));
    }

    [Fact]
    public void Cap_UnsupportedVersionAnswer_PassedUnchanged()
    {
        // A broker that does not know ApiVersions v3 answers error 35 with a v0 body listing ApiVersions 0..2.
        var broker = KafkaHex.Bytes("00 00 00 01 00 23 00 00 00 01 00 12 00 00 00 02");

        var capped = KafkaApiVersionsCapper.Cap(broker, 3);

        Assert.Equal(KafkaHex.Show(KafkaHex.Frame("00 00 00 01 00 23 00 00 00 01 00 12 00 00 00 02")), KafkaHex.Show(capped));
    }
}
