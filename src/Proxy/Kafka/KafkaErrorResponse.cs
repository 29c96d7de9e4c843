namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// Synthesizes the response a broker would send for a request
/// refused with one error code: same API, version and correlation id, the error on
/// every topic and partition the request named, and on the request-level (or
/// group-level) error field where the API has one. Everything else holds the
/// "unknown" values Kafka uses (-1 offsets, null strings, empty arrays).
/// The result is a whole frame, size prefix included.
/// </summary>
internal static class KafkaErrorResponse
{
    public static byte[] Build(KafkaRequest request, short error)
    {
        if (!KafkaApiVersionRange.TryGet((short)request.ApiKey, out var range))
        {
            throw new ArgumentException($"api key {request.ApiKey} has no response writer", nameof(request));
        }
        var v = request.ApiVersion;
        var f = range.IsFlexible(v);
        var w = new KafkaWriter();
        // :: Step 1: size placeholder and response header (v1 when flexible, except ApiVersions: v0).
        w.Int32(0);
        w.Int32(request.CorrelationId);
        if (f && request.ApiKey != KafkaApiKey.ApiVersions)
        {
            w.Tags(true);
        }
        // :: Step 2: the body.
        switch (request.ApiKey)
        {
            case KafkaApiKey.Produce:
                KafkaResponseBodies.Produce(w, request, v, f, error);
                break;
            case KafkaApiKey.Fetch:
                KafkaResponseBodies.Fetch(w, request, v, f, error);
                break;
            case KafkaApiKey.ListOffsets:
                KafkaResponseBodies.ListOffsets(w, request, v, f, error);
                break;
            case KafkaApiKey.Metadata:
                KafkaResponseBodies.Metadata(w, request, v, f, error);
                break;
            case KafkaApiKey.OffsetCommit:
                KafkaResponseBodies.OffsetCommit(w, request, v, f, error);
                break;
            case KafkaApiKey.OffsetFetch:
                KafkaResponseBodies.OffsetFetch(w, request, v, f, error);
                break;
            case KafkaApiKey.FindCoordinator:
                KafkaResponseBodies.FindCoordinator(w, request, v, f, error);
                break;
            case KafkaApiKey.JoinGroup:
                KafkaResponseBodies.JoinGroup(w, v, f, error);
                break;
            case KafkaApiKey.Heartbeat:
                ThrottleAndError(w, v >= 1, error);
                w.Tags(f);
                break;
            case KafkaApiKey.LeaveGroup:
                ThrottleAndError(w, v >= 1, error);
                if (v >= 3)
                {
                    w.ArrayCount(0, f);
                }
                w.Tags(f);
                break;
            case KafkaApiKey.SyncGroup:
                ThrottleAndError(w, v >= 1, error);
                if (v >= 5)
                {
                    w.String(null, f);
                    w.String(null, f);
                }
                w.EmptyBytes(f);
                w.Tags(f);
                break;
            case KafkaApiKey.ApiVersions:
                w.Int16(error);
                w.ArrayCount(0, f);
                if (v >= 1)
                {
                    w.Int32(0);
                }
                w.Tags(f);
                break;
            case KafkaApiKey.CreateTopics:
                KafkaResponseBodies.CreateTopics(w, request, v, f, error);
                break;
            case KafkaApiKey.DeleteTopics:
                KafkaResponseBodies.DeleteTopics(w, request, v, f, error);
                break;
            case KafkaApiKey.InitProducerId:
                ThrottleAndError(w, true, error);
                w.Int64(-1);
                w.Int16(-1);
                w.Tags(f);
                break;
            default:
                throw new ArgumentException($"api key {request.ApiKey} has no response writer", nameof(request));
        }
        w.PatchInt32(0, w.Length - 4);
        return w.Written.ToArray();
    }

    private static void ThrottleAndError(KafkaWriter w, bool throttle, short error)
    {
        if (throttle)
        {
            w.Int32(0);
        }
        w.Int16(error);
    }
}
