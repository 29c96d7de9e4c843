namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// Rewrites the broker's ApiVersions response so a client negotiates only what the
/// proxy can judge: APIs the proxy does not understand are removed from the list,
/// and each remaining API's max version is capped at the proxy's (later Produce,
/// Fetch and Metadata versions may name topics by id only). Everything after the
/// list (throttle time, tagged features) is copied unchanged. An error answer
/// (UNSUPPORTED_VERSION, whose body format varies between brokers) passes unchanged.
/// </summary>
internal static class KafkaApiVersionsCapper
{
    /// <summary>Returns the rewritten frame (size prefix included); throws <see cref="KafkaProtocolException"/> on a malformed response.</summary>
    public static byte[] Cap(ReadOnlySpan<byte> frame, short requestVersion)
    {
        var r = new KafkaReader(frame);
        var correlationId = r.ReadInt32("correlation_id");
        var error = r.ReadInt16("error_code");
        if (error != 0)
        {
            // An error answer (UNSUPPORTED_VERSION: the client retries with a lower
            // version) is not used to pick versions of other APIs: passed unchanged.
            var unchanged = new byte[frame.Length + 4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(unchanged, frame.Length);
            frame.CopyTo(unchanged.AsSpan(4));
            return unchanged;
        }
        var f = requestVersion >= 3;
        var count = r.ReadArrayCount(f, false, "api_keys", 6);
        var w = new KafkaWriter();
        w.Int32(0);
        w.Int32(correlationId);
        w.Int16(error);
        var keys = new short[count];
        var mins = new short[count];
        var maxes = new short[count];
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var key = r.ReadInt16("api_keys.api_key");
            var min = r.ReadInt16("api_keys.min_version");
            var max = r.ReadInt16("api_keys.max_version");
            if (f)
            {
                r.SkipTaggedFields("api_keys tagged fields");
            }
            if (!KafkaApiVersionRange.TryGet(key, out var range) || min > range.Max)
            {
                continue;
            }
            keys[kept] = key;
            mins[kept] = min;
            maxes[kept] = Math.Min(max, range.Max);
            kept++;
        }
        w.ArrayCount(kept, f);
        for (var i = 0; i < kept; i++)
        {
            w.Int16(keys[i]);
            w.Int16(mins[i]);
            w.Int16(maxes[i]);
            w.Tags(f);
        }
        var rest = frame[r.Position..];
        var body = w.Written.Span;
        var result = new byte[body.Length + rest.Length];
        body.CopyTo(result);
        rest.CopyTo(result.AsSpan(body.Length));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(result, result.Length - 4);
        return result;
    }
}
