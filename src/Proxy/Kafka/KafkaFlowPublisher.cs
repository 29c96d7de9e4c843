using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;

namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// One request flow per Kafka request (client → server) with Hubble's Kafka fields,
/// and the proxy counters of the Kafka protocol.
/// </summary>
internal sealed class KafkaFlowPublisher(ProxyRuntime runtime, ProxyRedirect redirect, FlowEndpoint client, FlowEndpoint server) : IKafkaRequestObserver
{
    private static readonly Dictionary<short, string> Names = BuildNames();

    /// <summary>What an audited request would have been answered, enforced.</summary>
    public const string AuditOutcome = "error 29 TOPIC_AUTHORIZATION_FAILED";

    public void OnRequest(in KafkaRequestRecord record)
    {
        var counters = runtime.Counters.For(ProxyType.Kafka);
        counters.Received();
        switch (record.Verdict)
        {
            case FlowVerdict.Forwarded:
            case FlowVerdict.Audit:
                counters.Forwarded();
                break;
            case FlowVerdict.Dropped:
                counters.Denied();
                break;
            case FlowVerdict.Error:
                counters.ParseError();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(record), record.Verdict, "unknown verdict");
        }
        if (!runtime.Options.EmitFlows)
        {
            return;
        }
        runtime.Flows.Publish(new L7FlowEvent
        {
            Time = DateTimeOffset.UtcNow,
            Type = L7FlowType.Request,
            Verdict = record.Verdict,
            Direction = redirect.Key.Direction,
            Source = client,
            Destination = server,
            ProxyPort = redirect.ProxyPort,
            EndpointId = redirect.Key.EndpointId,
            PolicyName = record.PolicyName,
            RequestId = runtime.NextRequestId(),
            AuditOutcome = record.Verdict == FlowVerdict.Audit ? AuditOutcome : null,
            Kafka = new KafkaFlowInfo(
                record.ErrorCode,
                record.ApiVersion,
                Names.TryGetValue(record.ApiKey, out var name) ? name : record.ApiKey.ToString(System.Globalization.CultureInfo.InvariantCulture),
                record.CorrelationId,
                record.Topics.Count > 0 ? record.Topics[0] : ""),
        });
    }

    private static Dictionary<short, string> BuildNames()
    {
        var names = new Dictionary<short, string>();
        foreach (var (name, key) in KafkaApiKeys.ByName)
        {
            names.TryAdd(key, name);
        }
        return names;
    }
}
