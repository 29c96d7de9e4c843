namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// The versions of one API the proxy parses and answers, and the first flexible
/// version (compact types, tagged fields, request header v2, response header v1 —
/// except ApiVersions, whose response header stays v0 so any client can read it).
/// </summary>
internal readonly record struct KafkaApiVersionRange(KafkaApiKey Key, short Min, short Max, short FirstFlexible)
{
    /// <summary>
    /// Versions whose topics are named (later versions of Produce, Fetch and
    /// Metadata may name topics by id only; those are not judged and not forwarded).
    /// Clients pick the highest version both sides support, and the proxy caps the
    /// broker's ApiVersions answer to these ranges (<see cref="KafkaApiVersionsCapper"/>).
    /// </summary>
    public static readonly KafkaApiVersionRange[] All =
    [
        new(KafkaApiKey.Produce, 0, 12, 9),
        new(KafkaApiKey.Fetch, 0, 12, 12),
        new(KafkaApiKey.ListOffsets, 0, 9, 6),
        new(KafkaApiKey.Metadata, 0, 12, 9),
        new(KafkaApiKey.OffsetCommit, 0, 9, 8),
        new(KafkaApiKey.OffsetFetch, 0, 9, 6),
        new(KafkaApiKey.FindCoordinator, 0, 6, 3),
        new(KafkaApiKey.JoinGroup, 0, 9, 6),
        new(KafkaApiKey.Heartbeat, 0, 4, 4),
        new(KafkaApiKey.LeaveGroup, 0, 5, 4),
        new(KafkaApiKey.SyncGroup, 0, 5, 4),
        new(KafkaApiKey.ApiVersions, 0, 4, 3),
        new(KafkaApiKey.CreateTopics, 0, 7, 5),
        new(KafkaApiKey.DeleteTopics, 0, 5, 4),
        new(KafkaApiKey.InitProducerId, 0, 5, 2),
    ];

    /// <summary>The range of <paramref name="apiKey"/>, false for an API the proxy does not understand.</summary>
    public static bool TryGet(short apiKey, out KafkaApiVersionRange range)
    {
        foreach (var r in All)
        {
            if ((short)r.Key == apiKey)
            {
                range = r;
                return true;
            }
        }
        range = default;
        return false;
    }

    public bool IsFlexible(short version) => version >= FirstFlexible;
}
