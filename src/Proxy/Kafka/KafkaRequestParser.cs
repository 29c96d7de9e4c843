namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// Parses one complete request frame (after the size prefix) into a
/// <see cref="KafkaRequest"/>: the header (v1, or v2 for flexible versions), and
/// for the APIs that name topics the whole body, so every topic is judged and a
/// body that does not end exactly at the frame's end is refused. Anything it does
/// not understand throws <see cref="KafkaProtocolException"/>.
/// </summary>
internal static class KafkaRequestParser
{
    /// <summary>Parses <paramref name="frame"/>; throws <see cref="KafkaProtocolException"/> when it cannot.</summary>
    public static KafkaRequest Parse(ReadOnlySpan<byte> frame)
    {
        var r = new KafkaReader(frame);
        // :: Step 1: the header. The client id stays an INT16 string even in header v2.
        var apiKey = r.ReadInt16("request_api_key");
        var version = r.ReadInt16("request_api_version");
        var correlationId = r.ReadInt32("correlation_id");
        if (!KafkaApiVersionRange.TryGet(apiKey, out var range))
        {
            throw new KafkaProtocolException($"api key {apiKey} is not one the proxy understands");
        }
        if (version < range.Min || version > range.Max)
        {
            throw new KafkaProtocolException($"{range.Key} version {version} is outside the versions the proxy understands ({range.Min}..{range.Max})");
        }
        var clientId = r.ReadString(flexible: false, nullable: true, "client_id");
        var flex = range.IsFlexible(version);
        if (flex)
        {
            r.SkipTaggedFields("request header tagged fields");
        }
        var request = new RequestBuilder(range.Key, version, correlationId, clientId, flex);
        // :: Step 2: the body of the APIs that name topics (or shape their response).
        switch (range.Key)
        {
            case KafkaApiKey.Produce:
                KafkaBodyParsers.Produce(ref r, request);
                break;
            case KafkaApiKey.Fetch:
                KafkaBodyParsers.Fetch(ref r, request);
                break;
            case KafkaApiKey.ListOffsets:
                KafkaBodyParsers.ListOffsets(ref r, request);
                break;
            case KafkaApiKey.Metadata:
                KafkaBodyParsers.Metadata(ref r, request);
                break;
            case KafkaApiKey.OffsetCommit:
                KafkaBodyParsers.OffsetCommit(ref r, request);
                break;
            case KafkaApiKey.OffsetFetch:
                KafkaBodyParsers.OffsetFetch(ref r, request);
                break;
            case KafkaApiKey.FindCoordinator:
                KafkaBodyParsers.FindCoordinator(ref r, request);
                break;
            case KafkaApiKey.CreateTopics:
                KafkaBodyParsers.CreateTopics(ref r, request);
                break;
            case KafkaApiKey.DeleteTopics:
                KafkaBodyParsers.DeleteTopics(ref r, request);
                break;
            case KafkaApiKey.JoinGroup:
            case KafkaApiKey.Heartbeat:
            case KafkaApiKey.LeaveGroup:
            case KafkaApiKey.SyncGroup:
            case KafkaApiKey.ApiVersions:
            case KafkaApiKey.InitProducerId:
                // No topic in these requests; the broker validates the body. Their
                // responses need nothing from it.
                return request.Build();
            default:
                throw new KafkaProtocolException($"api key {apiKey} is not one the proxy understands");
        }
        if (r.Remaining != 0)
        {
            throw new KafkaProtocolException($"{range.Key} v{version}: {r.Remaining} bytes after the end of the request body");
        }
        return request.Build();
    }

    /// <summary>Collects the parsed fields; one per request.</summary>
    internal sealed class RequestBuilder(KafkaApiKey key, short version, int correlationId, string? clientId, bool flexible)
    {
        public KafkaApiKey Key { get; } = key;
        public short Version { get; } = version;
        public bool Flexible { get; } = flexible;
        public List<KafkaTopicRequest> Topics { get; } = [];
        public List<string> Keys { get; } = [];
        public short Acks { get; set; } = -1;
        public bool AllTopics { get; set; }

        public KafkaRequest Build() => new()
        {
            ApiKey = Key,
            ApiVersion = Version,
            CorrelationId = correlationId,
            ClientId = clientId,
            Topics = Topics,
            Keys = Keys,
            Acks = Acks,
            AllTopics = AllTopics,
        };
    }
}
