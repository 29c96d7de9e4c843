namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// The request bodies that name topics, field by field as Kafka's message
/// definitions give them per version (fields absent in a version are not read).
/// </summary>
internal static class KafkaBodyParsers
{
    private const int MaxPartitionsPerTopic = 1 << 20;

    public static void Produce(ref KafkaReader r, KafkaRequestParser.RequestBuilder b)
    {
        var v = b.Version;
        var f = b.Flexible;
        if (v >= 3)
        {
            r.SkipString(f, nullable: true, "transactional_id");
        }
        b.Acks = r.ReadInt16("acks");
        r.ReadInt32("timeout_ms");
        var topics = r.ReadArrayCount(f, false, "topic_data");
        for (var t = 0; t < topics; t++)
        {
            var name = Name(ref r, f, "topic_data.name");
            var count = r.ReadArrayCount(f, false, "topic_data.partition_data", 5);
            var partitions = new int[count];
            for (var p = 0; p < count; p++)
            {
                partitions[p] = r.ReadInt32("partition_data.index");
                r.SkipBytes(f, nullable: true, "partition_data.records");
                Tags(ref r, f);
            }
            Tags(ref r, f);
            b.Topics.Add(new KafkaTopicRequest(name, partitions));
        }
        Tags(ref r, f);
    }

    public static void Fetch(ref KafkaReader r, KafkaRequestParser.RequestBuilder b)
    {
        var v = b.Version;
        var f = b.Flexible;
        r.ReadInt32("replica_id");
        r.ReadInt32("max_wait_ms");
        r.ReadInt32("min_bytes");
        if (v >= 3)
        {
            r.ReadInt32("max_bytes");
        }
        if (v >= 4)
        {
            r.ReadInt8("isolation_level");
        }
        if (v >= 7)
        {
            r.ReadInt32("session_id");
            r.ReadInt32("session_epoch");
        }
        var topics = r.ReadArrayCount(f, false, "topics");
        for (var t = 0; t < topics; t++)
        {
            var name = Name(ref r, f, "topics.topic");
            var count = r.ReadArrayCount(f, false, "topics.partitions", 16);
            var partitions = new int[count];
            for (var p = 0; p < count; p++)
            {
                partitions[p] = r.ReadInt32("partitions.partition");
                if (v >= 9)
                {
                    r.ReadInt32("current_leader_epoch");
                }
                r.ReadInt64("fetch_offset");
                if (v >= 12)
                {
                    r.ReadInt32("last_fetched_epoch");
                }
                if (v >= 5)
                {
                    r.ReadInt64("log_start_offset");
                }
                r.ReadInt32("partition_max_bytes");
                Tags(ref r, f);
            }
            Tags(ref r, f);
            b.Topics.Add(new KafkaTopicRequest(name, partitions));
        }
        if (v >= 7)
        {
            // Topics leaving the fetch session: nothing is read from them, so not judged.
            var forgotten = r.ReadArrayCount(f, false, "forgotten_topics_data");
            for (var t = 0; t < forgotten; t++)
            {
                r.SkipString(f, false, "forgotten_topics_data.topic");
                Int32Array(ref r, f, "forgotten_topics_data.partitions");
                Tags(ref r, f);
            }
        }
        if (v >= 11)
        {
            r.SkipString(f, false, "rack_id");
        }
        Tags(ref r, f);
    }

    public static void ListOffsets(ref KafkaReader r, KafkaRequestParser.RequestBuilder b)
    {
        var v = b.Version;
        var f = b.Flexible;
        r.ReadInt32("replica_id");
        if (v >= 2)
        {
            r.ReadInt8("isolation_level");
        }
        var topics = r.ReadArrayCount(f, false, "topics");
        for (var t = 0; t < topics; t++)
        {
            var name = Name(ref r, f, "topics.name");
            var count = r.ReadArrayCount(f, false, "topics.partitions", 12);
            var partitions = new int[count];
            for (var p = 0; p < count; p++)
            {
                partitions[p] = r.ReadInt32("partitions.partition_index");
                if (v >= 4)
                {
                    r.ReadInt32("current_leader_epoch");
                }
                r.ReadInt64("timestamp");
                if (v == 0)
                {
                    r.ReadInt32("max_num_offsets");
                }
                Tags(ref r, f);
            }
            Tags(ref r, f);
            b.Topics.Add(new KafkaTopicRequest(name, partitions));
        }
        Tags(ref r, f);
    }

    public static void Metadata(ref KafkaReader r, KafkaRequestParser.RequestBuilder b)
    {
        var v = b.Version;
        var f = b.Flexible;
        var topics = r.ReadArrayCount(f, nullable: v >= 1, "topics");
        b.AllTopics = topics < 0 || (v == 0 && topics == 0);
        for (var t = 0; t < topics; t++)
        {
            if (v >= 10)
            {
                r.Skip(16, "topics.topic_id");
            }
            var name = r.ReadString(f, nullable: v >= 10, "topics.name")
                ?? throw new KafkaProtocolException("topics.name: a topic named by id only cannot be judged");
            CheckName(name, "topics.name");
            Tags(ref r, f);
            b.Topics.Add(new KafkaTopicRequest(name, []));
        }
        if (v >= 4)
        {
            r.ReadInt8("allow_auto_topic_creation");
        }
        if (v >= 8 && v <= 10)
        {
            r.ReadInt8("include_cluster_authorized_operations");
        }
        if (v >= 8)
        {
            r.ReadInt8("include_topic_authorized_operations");
        }
        Tags(ref r, f);
    }

    public static void OffsetCommit(ref KafkaReader r, KafkaRequestParser.RequestBuilder b)
    {
        var v = b.Version;
        var f = b.Flexible;
        r.SkipString(f, false, "group_id");
        if (v >= 1)
        {
            r.ReadInt32("generation_id_or_member_epoch");
            r.SkipString(f, false, "member_id");
        }
        if (v >= 7)
        {
            r.SkipString(f, true, "group_instance_id");
        }
        if (v >= 2 && v <= 4)
        {
            r.ReadInt64("retention_time_ms");
        }
        var topics = r.ReadArrayCount(f, false, "topics");
        for (var t = 0; t < topics; t++)
        {
            var name = Name(ref r, f, "topics.name");
            var count = r.ReadArrayCount(f, false, "topics.partitions", 13);
            var partitions = new int[count];
            for (var p = 0; p < count; p++)
            {
                partitions[p] = r.ReadInt32("partitions.partition_index");
                r.ReadInt64("committed_offset");
                if (v >= 6)
                {
                    r.ReadInt32("committed_leader_epoch");
                }
                if (v == 1)
                {
                    r.ReadInt64("commit_timestamp");
                }
                r.SkipString(f, true, "committed_metadata");
                Tags(ref r, f);
            }
            Tags(ref r, f);
            b.Topics.Add(new KafkaTopicRequest(name, partitions));
        }
        Tags(ref r, f);
    }

    public static void OffsetFetch(ref KafkaReader r, KafkaRequestParser.RequestBuilder b)
    {
        var v = b.Version;
        var f = b.Flexible;
        if (v <= 7)
        {
            b.Keys.Add(r.ReadString(f, false, "group_id")!);
            OffsetFetchTopics(ref r, b, nullable: v >= 2);
            if (v >= 7)
            {
                r.ReadInt8("require_stable");
            }
            Tags(ref r, f);
            return;
        }
        var groups = r.ReadArrayCount(f, false, "groups");
        for (var g = 0; g < groups; g++)
        {
            b.Keys.Add(r.ReadString(f, false, "groups.group_id")!);
            if (v >= 9)
            {
                r.SkipString(f, true, "groups.member_id");
                r.ReadInt32("groups.member_epoch");
            }
            OffsetFetchTopics(ref r, b, nullable: true);
            Tags(ref r, f);
        }
        r.ReadInt8("require_stable");
        Tags(ref r, f);
    }

    public static void FindCoordinator(ref KafkaReader r, KafkaRequestParser.RequestBuilder b)
    {
        var v = b.Version;
        var f = b.Flexible;
        if (v <= 3)
        {
            b.Keys.Add(r.ReadString(f, false, "key")!);
        }
        if (v >= 1)
        {
            r.ReadInt8("key_type");
        }
        if (v >= 4)
        {
            var keys = r.ReadArrayCount(f, false, "coordinator_keys");
            for (var k = 0; k < keys; k++)
            {
                b.Keys.Add(r.ReadString(f, false, "coordinator_keys")!);
            }
        }
        Tags(ref r, f);
    }

    public static void CreateTopics(ref KafkaReader r, KafkaRequestParser.RequestBuilder b)
    {
        var v = b.Version;
        var f = b.Flexible;
        var topics = r.ReadArrayCount(f, false, "topics");
        for (var t = 0; t < topics; t++)
        {
            var name = Name(ref r, f, "topics.name");
            r.ReadInt32("num_partitions");
            r.ReadInt16("replication_factor");
            var assignments = r.ReadArrayCount(f, false, "assignments");
            for (var a = 0; a < assignments; a++)
            {
                r.ReadInt32("assignments.partition_index");
                Int32Array(ref r, f, "assignments.broker_ids");
                Tags(ref r, f);
            }
            var configs = r.ReadArrayCount(f, false, "configs");
            for (var c = 0; c < configs; c++)
            {
                r.SkipString(f, false, "configs.name");
                r.SkipString(f, true, "configs.value");
                Tags(ref r, f);
            }
            Tags(ref r, f);
            b.Topics.Add(new KafkaTopicRequest(name, []));
        }
        r.ReadInt32("timeout_ms");
        if (v >= 1)
        {
            r.ReadInt8("validate_only");
        }
        Tags(ref r, f);
    }

    public static void DeleteTopics(ref KafkaReader r, KafkaRequestParser.RequestBuilder b)
    {
        var f = b.Flexible;
        var topics = r.ReadArrayCount(f, false, "topic_names");
        for (var t = 0; t < topics; t++)
        {
            b.Topics.Add(new KafkaTopicRequest(Name(ref r, f, "topic_names"), []));
        }
        r.ReadInt32("timeout_ms");
        Tags(ref r, f);
    }

    private static void OffsetFetchTopics(ref KafkaReader r, KafkaRequestParser.RequestBuilder b, bool nullable)
    {
        var f = b.Flexible;
        var topics = r.ReadArrayCount(f, nullable, "topics");
        for (var t = 0; t < topics; t++)
        {
            var name = Name(ref r, f, "topics.name");
            var partitions = Int32Array(ref r, f, "topics.partition_indexes");
            Tags(ref r, f);
            b.Topics.Add(new KafkaTopicRequest(name, partitions));
        }
    }

    private static int[] Int32Array(ref KafkaReader r, bool f, string field)
    {
        var count = r.ReadArrayCount(f, false, field, 4);
        if (count > MaxPartitionsPerTopic)
        {
            throw new KafkaProtocolException($"{field}: {count} entries is more than {MaxPartitionsPerTopic}");
        }
        var values = new int[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = r.ReadInt32(field);
        }
        return values;
    }

    private static string Name(ref KafkaReader r, bool f, string field)
    {
        var name = r.ReadString(f, false, field)!;
        CheckName(name, field);
        return name;
    }

    /// <summary>A topic name the judge can compare: 1..249 of <c>[a-zA-Z0-9._-]</c> as Kafka allows.</summary>
    internal static void CheckName(string name, string field)
    {
        if (name.Length is 0 or > 249)
        {
            throw new KafkaProtocolException($"{field}: topic name of {name.Length} characters is not a valid topic");
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new KafkaProtocolException($"{field}: topic name \"{name}\" has a character Kafka does not allow in topics");
            }
        }
    }

    private static void Tags(ref KafkaReader r, bool flexible)
    {
        if (flexible)
        {
            r.SkipTaggedFields("tagged fields");
        }
    }
}
