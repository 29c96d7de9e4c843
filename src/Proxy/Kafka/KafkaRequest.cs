namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// One parsed request: the header and what the judge and a synthesized error
/// response need (the topics and partitions it names, the few API-specific fields
/// that shape the response). The frame's bytes themselves are forwarded unchanged.
/// </summary>
public sealed class KafkaRequest
{
    /// <summary>The API.</summary>
    public required KafkaApiKey ApiKey { get; init; }

    /// <summary>The API version.</summary>
    public required short ApiVersion { get; init; }

    /// <summary>The correlation id the response must carry.</summary>
    public required int CorrelationId { get; init; }

    /// <summary>The client id of the header (null when absent or null).</summary>
    public string? ClientId { get; init; }

    /// <summary>Every topic named, in request order.</summary>
    public IReadOnlyList<KafkaTopicRequest> Topics { get; init; } = [];

    /// <summary>Produce: acks (0 = the broker sends no response).</summary>
    public short Acks { get; init; } = -1;

    /// <summary>FindCoordinator v4+: the coordinator keys; OffsetFetch v8+: the group ids; LeaveGroup v3+: the member ids.</summary>
    public IReadOnlyList<string> Keys { get; init; } = [];

    /// <summary>Metadata: true when the request asks for every topic (no topic named).</summary>
    public bool AllTopics { get; init; }

    /// <summary>True when the broker answers this request (false for Produce with acks=0).</summary>
    public bool ExpectsResponse => !(ApiKey == KafkaApiKey.Produce && Acks == 0);

    /// <summary>The topic names, for the judge.</summary>
    public string[] TopicNames()
    {
        var names = new string[Topics.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = Topics[i].Name;
        }
        return names;
    }
}
