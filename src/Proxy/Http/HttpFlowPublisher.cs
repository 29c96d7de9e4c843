using System.Diagnostics;
using CiliumL7.Proxy.Flows;

namespace CiliumL7.Proxy.Http;

/// <summary>The L7 flow events of an HTTP request, the same for every front end.</summary>
internal static class HttpFlowPublisher
{
    private static readonly KeyValuePair<string, string>[] NoHeaders = [];

    /// <summary>What an audited request would have been answered, enforced.</summary>
    public const string AuditOutcome = "403 Access denied";

    /// <summary>Publishes one request or response flow of <paramref name="context"/> (nothing when flows are off).</summary>
    public static void Publish(ProxyRuntime runtime, ProxyRedirect redirect, ProxyRequestContext context, ulong requestId, L7FlowType type, FlowVerdict verdict, int code, string? policyName, long started)
    {
        if (!runtime.Options.EmitFlows)
        {
            return;
        }
        var client = context.ClientFlowEndpoint();
        var server = context.ServerFlowEndpoint();
        var isResponse = type == L7FlowType.Response;
        runtime.Flows.Publish(new L7FlowEvent
        {
            Time = DateTimeOffset.UtcNow,
            Type = type,
            Verdict = verdict,
            Direction = redirect.Key.Direction,
            Source = isResponse ? server : client,
            Destination = isResponse ? client : server,
            ProxyPort = redirect.ProxyPort,
            EndpointId = redirect.Key.EndpointId,
            PolicyName = policyName,
            LatencyNs = isResponse ? (long)Stopwatch.GetElapsedTime(started).TotalNanoseconds : 0,
            RequestId = requestId,
            AuditOutcome = verdict == FlowVerdict.Audit ? AuditOutcome : null,
            Http = new HttpFlowInfo(
                code,
                context.Method,
                context.FlowUrl(),
                context.Protocol,
                isResponse ? NoHeaders : (IReadOnlyList<KeyValuePair<string, string>>?)context.FlowHeaders ?? NoHeaders),
        });
    }
}
