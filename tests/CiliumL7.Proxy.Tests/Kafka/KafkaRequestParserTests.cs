using CiliumL7.Proxy.Kafka;

namespace CiliumL7.Proxy.Tests.Kafka;

public sealed class KafkaRequestParserTests
{
    public static TheoryData<string, string, KafkaApiKey, short, int, string> Requests => new()
    {
        // name, body, api key, version, correlation id, "topic:partitions;…"
        { "produce v3", KafkaFrames.ProduceV3(), KafkaApiKey.Produce, 3, 7, "empire-orders:0" },
        { "produce v9 flexible", KafkaFrames.ProduceV9, KafkaApiKey.Produce, 9, 8, "empire-orders:2" },
        { "metadata v1", KafkaFrames.MetadataV1(1, KafkaFrames.Orders, KafkaFrames.Plans), KafkaApiKey.Metadata, 1, 1, "empire-orders:;empire-plans:" },
        { "metadata v12 flexible", KafkaFrames.MetadataV12, KafkaApiKey.Metadata, 12, 5, "empire-orders:" },
        { "fetch v11", KafkaFrames.FetchV11, KafkaApiKey.Fetch, 11, 9, "empire-orders:0" },
        { "fetch v12 flexible", KafkaFrames.FetchV12, KafkaApiKey.Fetch, 12, 10, "empire-orders:0,1" },
        { "list offsets v7", KafkaFrames.ListOffsetsV7, KafkaApiKey.ListOffsets, 7, 11, "empire-orders:0" },
        { "offset commit v8", KafkaFrames.OffsetCommitV8, KafkaApiKey.OffsetCommit, 8, 12, "empire-orders:0" },
        { "offset fetch v8 groups", KafkaFrames.OffsetFetchV8, KafkaApiKey.OffsetFetch, 8, 13, "empire-orders:0" },
        { "offset fetch v1", KafkaFrames.OffsetFetchV1, KafkaApiKey.OffsetFetch, 1, 14, "empire-orders:0" },
        { "find coordinator v4", KafkaFrames.FindCoordinatorV4, KafkaApiKey.FindCoordinator, 4, 15, "" },
        { "heartbeat v4", KafkaFrames.HeartbeatV4, KafkaApiKey.Heartbeat, 4, 16, "" },
        { "api versions v3", KafkaFrames.ApiVersionsV3, KafkaApiKey.ApiVersions, 3, 1, "" },
        { "create topics v5", KafkaFrames.CreateTopicsV5, KafkaApiKey.CreateTopics, 5, 17, "empire-orders:" },
        { "delete topics v1", KafkaFrames.DeleteTopicsV1, KafkaApiKey.DeleteTopics, 1, 18, "empire-plans:" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Parse_RequestOfCurrentClients_HeaderAndTopics(string name, string body, KafkaApiKey key, short version, int correlation, string topics)
    {
        var request = KafkaRequestParser.Parse(KafkaHex.Bytes(body));

        Assert.Equal(key, request.ApiKey);
        Assert.Equal(version, request.ApiVersion);
        Assert.Equal(correlation, request.CorrelationId);
        Assert.Equal("rdkafka", request.ClientId);
        var actual = string.Join(';', request.Topics.Select(t => t.Name + ":" + string.Join(',', t.Partitions)));
        Assert.True(topics == actual, $"{name}: {actual}");
    }

    [Fact]
    public void Parse_MetadataWithNullTopics_AllTopics()
    {
        var request = KafkaRequestParser.Parse(KafkaHex.Bytes("00 03 00 01 00 00 00 01 00 07 'rdkafka' ff ff ff ff"));

        Assert.True(request.AllTopics);
        Assert.Empty(request.Topics);
    }

    [Fact]
    public void Parse_ProduceAcksZero_ExpectsNoResponse()
    {
        var request = KafkaRequestParser.Parse(KafkaHex.Bytes(KafkaFrames.ProduceV3(acks: 0)));

        Assert.Equal(0, request.Acks);
        Assert.False(request.ExpectsResponse);
    }

    [Fact]
    public void Parse_OffsetFetchV8_GroupIdsKept()
    {
        var request = KafkaRequestParser.Parse(KafkaHex.Bytes(KafkaFrames.OffsetFetchV8));

        Assert.Equal(["g1"], request.Keys);
    }

    public static TheoryData<string, string, string> Malformed => new()
    {
        // name, body, a fragment of the reason
        { "header cut short", "00 03 00 01 00 00", "runs past the end" },
        { "unknown api key", "00 63 00 00 00 00 00 01 ff ff", "api key 99" },
        { "broker-only api key (LeaderAndIsr)", "00 04 00 00 00 00 00 01 ff ff", "api key 4" },
        { "version above the judged range (produce v13 names topics by id)", "00 00 00 0d 00 00 00 01 ff ff 00", "outside the versions" },
        { "negative version", "00 03 ff ff 00 00 00 01 ff ff", "outside the versions" },
        { "client id past the frame", "00 03 00 01 00 00 00 01 00 10 'ab'", "client_id runs past" },
        { "client id negative length", "00 03 00 01 00 00 00 01 ff fe", "length -2" },
        { "null topics in metadata v0", "00 03 00 00 00 00 00 01 ff ff ff ff ff ff", "count -1 is not allowed" },
        { "negative topic count", "00 03 00 01 00 00 00 01 ff ff ff ff ff fe", "count -2" },
        { "huge topic count", "00 00 00 03 00 00 00 01 ff ff ff ff ff ff 00 00 75 30 7f ff ff ff", "cannot fit" },
        { "huge partition count", "00 00 00 03 00 00 00 01 ff ff ff ff ff ff 00 00 75 30 00 00 00 01 00 01 'a' 00 ff ff ff", "cannot fit" },
        { "topic name past the frame", "00 03 00 01 00 00 00 01 ff ff 00 00 00 01 00 ff 'ab'", "runs past the end" },
        { "records length lies", "00 00 00 03 00 00 00 01 ff ff ff ff ff ff 00 00 75 30 00 00 00 01 00 01 'a' 00 00 00 01 00 00 00 00 00 00 10 00 'abc'", "records runs past" },
        { "negative records length", "00 00 00 03 00 00 00 01 ff ff ff ff ff ff 00 00 75 30 00 00 00 01 00 01 'a' 00 00 00 01 00 00 00 00 ff ff ff f0", "length -16" },
        { "tagged field of absurd size", "00 12 00 03 00 00 00 01 ff ff 01 00 ff ff ff ff 0f", "runs past the end" },
        { "tagged fields out of order", "00 12 00 03 00 00 00 01 ff ff 02 01 00 00 00", "out of order" },
        { "absurd tagged field count", "00 12 00 03 00 00 00 01 ff ff ff ff ff ff 0f", "cannot fit" },
        { "varint longer than 5 bytes", "00 12 00 03 00 00 00 01 ff ff 80 80 80 80 80 01", "varint" },
        { "compact string past the frame", "00 03 00 09 00 00 00 01 ff ff 00 02 7f 'ab'", "runs past the end" },
        { "bytes after the body", KafkaFrames.MetadataV1(1, KafkaFrames.Orders) + " 00", "bytes after the end" },
        { "topic name with a slash", KafkaFrames.MetadataV1(1, "00 03 'a/b'"), "character" },
        { "empty topic name", KafkaFrames.MetadataV1(1, "00 00"), "not a valid topic" },
        { "topic by id only (metadata v12, null name)", "00 03 00 0c 00 00 00 05 ff ff 00 02 x16*00 00 00 01 00 00", "by id only" },
        { "client id not UTF-8", "00 03 00 01 00 00 00 01 00 02 c3 28 ff ff ff ff", "UTF-8" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Parse_MalformedRequest_ThrowsWithReason(string name, string body, string reason)
    {
        var e = Assert.Throws<KafkaProtocolException>(() => KafkaRequestParser.Parse(KafkaHex.Bytes(body)));

        Assert.True(e.Message.Contains(reason, StringComparison.Ordinal), $"{name}: {e.Message}");
    }
}
