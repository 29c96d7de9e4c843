namespace CiliumL7.Proxy.Kafka;

/// <summary>The response bodies of the APIs that name topics or groups, per version.</summary>
internal static class KafkaResponseBodies
{
    public static void Produce(KafkaWriter w, KafkaRequest q, short v, bool f, short error)
    {
        w.ArrayCount(q.Topics.Count, f);
        foreach (var topic in q.Topics)
        {
            w.String(topic.Name, f);
            w.ArrayCount(topic.Partitions.Length, f);
            foreach (var partition in topic.Partitions)
            {
                w.Int32(partition);
                w.Int16(error);
                w.Int64(-1); // base_offset
                if (v >= 2)
                {
                    w.Int64(-1); // log_append_time_ms
                }
                if (v >= 5)
                {
                    w.Int64(-1); // log_start_offset
                }
                if (v >= 8)
                {
                    w.ArrayCount(0, f); // record_errors
                    w.String(null, f); // error_message
                }
                w.Tags(f);
            }
            w.Tags(f);
        }
        if (v >= 1)
        {
            w.Int32(0); // throttle_time_ms
        }
        w.Tags(f);
    }

    public static void Fetch(KafkaWriter w, KafkaRequest q, short v, bool f, short error)
    {
        if (v >= 1)
        {
            w.Int32(0);
        }
        if (v >= 7)
        {
            w.Int16(q.Topics.Count == 0 ? error : KafkaErrorCodes.None);
            w.Int32(0); // session_id
        }
        w.ArrayCount(q.Topics.Count, f);
        foreach (var topic in q.Topics)
        {
            w.String(topic.Name, f);
            w.ArrayCount(topic.Partitions.Length, f);
            foreach (var partition in topic.Partitions)
            {
                w.Int32(partition);
                w.Int16(error);
                w.Int64(-1); // high_watermark
                if (v >= 4)
                {
                    w.Int64(-1); // last_stable_offset
                }
                if (v >= 5)
                {
                    w.Int64(-1); // log_start_offset
                }
                if (v >= 4)
                {
                    w.ArrayCount(-1, f); // aborted_transactions: null
                }
                if (v >= 11)
                {
                    w.Int32(-1); // preferred_read_replica
                }
                w.EmptyBytes(f); // records
                w.Tags(f);
            }
            w.Tags(f);
        }
        w.Tags(f);
    }

    public static void ListOffsets(KafkaWriter w, KafkaRequest q, short v, bool f, short error)
    {
        if (v >= 2)
        {
            w.Int32(0);
        }
        w.ArrayCount(q.Topics.Count, f);
        foreach (var topic in q.Topics)
        {
            w.String(topic.Name, f);
            w.ArrayCount(topic.Partitions.Length, f);
            foreach (var partition in topic.Partitions)
            {
                w.Int32(partition);
                w.Int16(error);
                if (v == 0)
                {
                    w.ArrayCount(0, f); // old_style_offsets
                }
                else
                {
                    w.Int64(-1); // timestamp
                    w.Int64(-1); // offset
                }
                if (v >= 4)
                {
                    w.Int32(-1); // leader_epoch
                }
                w.Tags(f);
            }
            w.Tags(f);
        }
        w.Tags(f);
    }

    public static void Metadata(KafkaWriter w, KafkaRequest q, short v, bool f, short error)
    {
        if (v >= 3)
        {
            w.Int32(0);
        }
        w.ArrayCount(0, f); // brokers
        if (v >= 2)
        {
            w.String(null, f); // cluster_id
        }
        if (v >= 1)
        {
            w.Int32(-1); // controller_id
        }
        w.ArrayCount(q.Topics.Count, f);
        foreach (var topic in q.Topics)
        {
            w.Int16(error);
            w.String(topic.Name, f);
            if (v >= 10)
            {
                w.Uuid();
            }
            if (v >= 1)
            {
                w.Bool(false); // is_internal
            }
            w.ArrayCount(0, f); // partitions
            if (v >= 8)
            {
                w.Int32(int.MinValue); // topic_authorized_operations: not requested
            }
            w.Tags(f);
        }
        if (v >= 8 && v <= 10)
        {
            w.Int32(int.MinValue);
        }
        w.Tags(f);
    }

    public static void OffsetCommit(KafkaWriter w, KafkaRequest q, short v, bool f, short error)
    {
        if (v >= 3)
        {
            w.Int32(0);
        }
        w.ArrayCount(q.Topics.Count, f);
        foreach (var topic in q.Topics)
        {
            w.String(topic.Name, f);
            w.ArrayCount(topic.Partitions.Length, f);
            foreach (var partition in topic.Partitions)
            {
                w.Int32(partition);
                w.Int16(error);
                w.Tags(f);
            }
            w.Tags(f);
        }
        w.Tags(f);
    }

    public static void OffsetFetch(KafkaWriter w, KafkaRequest q, short v, bool f, short error)
    {
        if (v >= 3)
        {
            w.Int32(0);
        }
        if (v <= 7)
        {
            OffsetFetchTopics(w, q.Topics, v, f, error);
            if (v >= 2)
            {
                w.Int16(error);
            }
            w.Tags(f);
            return;
        }
        // v8+: one entry per group, the error on the group (its topics are not listed).
        w.ArrayCount(q.Keys.Count, f);
        foreach (var group in q.Keys)
        {
            w.String(group, f);
            w.ArrayCount(0, f);
            w.Int16(error);
            w.Tags(f);
        }
        w.Tags(f);
    }

    public static void FindCoordinator(KafkaWriter w, KafkaRequest q, short v, bool f, short error)
    {
        if (v >= 1)
        {
            w.Int32(0);
        }
        if (v <= 3)
        {
            w.Int16(error);
            if (v >= 1)
            {
                w.String(null, f); // error_message
            }
            w.Int32(-1); // node_id
            w.String("", f); // host
            w.Int32(-1); // port
            w.Tags(f);
            return;
        }
        w.ArrayCount(q.Keys.Count, f);
        foreach (var key in q.Keys)
        {
            w.String(key, f);
            w.Int32(-1);
            w.String("", f);
            w.Int32(-1);
            w.Int16(error);
            w.String(null, f);
            w.Tags(f);
        }
        w.Tags(f);
    }

    public static void JoinGroup(KafkaWriter w, short v, bool f, short error)
    {
        if (v >= 2)
        {
            w.Int32(0);
        }
        w.Int16(error);
        w.Int32(-1); // generation_id
        if (v >= 7)
        {
            w.String(null, f); // protocol_type
            w.String(null, f); // protocol_name
        }
        else
        {
            w.String("", f);
        }
        w.String("", f); // leader
        if (v >= 9)
        {
            w.Bool(false); // skip_assignment
        }
        w.String("", f); // member_id
        w.ArrayCount(0, f); // members
        w.Tags(f);
    }

    public static void CreateTopics(KafkaWriter w, KafkaRequest q, short v, bool f, short error)
    {
        if (v >= 2)
        {
            w.Int32(0);
        }
        w.ArrayCount(q.Topics.Count, f);
        foreach (var topic in q.Topics)
        {
            w.String(topic.Name, f);
            if (v >= 7)
            {
                w.Uuid();
            }
            w.Int16(error);
            if (v >= 1)
            {
                w.String(null, f);
            }
            if (v >= 5)
            {
                w.Int32(-1); // num_partitions
                w.Int16(-1); // replication_factor
                w.ArrayCount(-1, f); // configs: null
            }
            w.Tags(f);
        }
        w.Tags(f);
    }

    public static void DeleteTopics(KafkaWriter w, KafkaRequest q, short v, bool f, short error)
    {
        if (v >= 1)
        {
            w.Int32(0);
        }
        w.ArrayCount(q.Topics.Count, f);
        foreach (var topic in q.Topics)
        {
            w.String(topic.Name, f);
            w.Int16(error);
            if (v >= 5)
            {
                w.String(null, f);
            }
            w.Tags(f);
        }
        w.Tags(f);
    }

    private static void OffsetFetchTopics(KafkaWriter w, IReadOnlyList<KafkaTopicRequest> topics, short v, bool f, short error)
    {
        w.ArrayCount(topics.Count, f);
        foreach (var topic in topics)
        {
            w.String(topic.Name, f);
            w.ArrayCount(topic.Partitions.Length, f);
            foreach (var partition in topic.Partitions)
            {
                w.Int32(partition);
                w.Int64(-1); // committed_offset
                if (v >= 5)
                {
                    w.Int32(-1); // committed_leader_epoch
                }
                w.String("", f); // metadata
                w.Int16(error);
                w.Tags(f);
            }
            w.Tags(f);
        }
    }
}
