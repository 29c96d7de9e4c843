using CiliumL7.Connectivity.Model;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CiliumL7.Connectivity.Running;

/// <summary>
/// Checks an action in Hubble: reads the agent's flows since the action started (GetFlows, no follow),
/// keeps those of the action's connection (its pinned client port — TCP for curl, UDP for dig — or for
/// HTTP flows without it the client address, method and path, for Kafka the client address and topic),
/// and compares them with what the expectation implies.
/// </summary>
internal sealed class FlowValidator : IDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(4);
    private readonly Grpc.Net.Client.GrpcChannel _channel;
    private readonly Observer.ObserverClient _client;

    public FlowValidator(string server)
    {
        _channel = HubbleChannel.Create(server);
        _client = new Observer.ObserverClient(_channel);
    }

    /// <summary>The connection an action made.</summary>
    public sealed record Connection(string? ClientIp, int ClientPort, TestAction Action);

    /// <summary>Waits (bounded) for the expected flows; returns the flows seen and the mismatches (empty: as expected).</summary>
    public async Task<(List<Flow> Flows, List<string> Problems)> ValidateAsync(Connection connection, DateTimeOffset since, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var absenceOnly = connection.Action.Expect == Expect.Allowed;
        // Events reach the ring asynchronously: give an absence check a short moment, a presence check up to MaxWait.
        await Task.Delay(absenceOnly ? 300 : 50, ct).ConfigureAwait(false);
        while (true)
        {
            var flows = await ReadAsync(connection, since, ct).ConfigureAwait(false);
            var problems = Check(connection.Action.Expect, flows);
            if (problems.Count == 0 || absenceOnly || clock.Elapsed > MaxWait)
            {
                return (flows, problems);
            }
            await Task.Delay(150, ct).ConfigureAwait(false);
        }
    }

    /// <summary>What is missing or unexpected among <paramref name="flows"/> for <paramref name="expect"/>.</summary>
    public static List<string> Check(Expect expect, IReadOnlyList<Flow> flows)
    {
        var problems = new List<string>();
        var drops = flows.Where(f => f.Verdict == Verdict.Dropped && f.L7 is null).ToList();
        switch (expect)
        {
            case Expect.Allowed:
                NoDrop(drops, problems);
                break;
            case Expect.AllowedByPolicy:
                NoDrop(drops, problems);
                if (!flows.Any(f => f.EventType?.Type == 5 && f.Verdict is Verdict.Forwarded or Verdict.Redirected))
                {
                    problems.Add("expected a policy-verdict flow FORWARDED (the connection allowed by a policy); saw none");
                }
                break;
            case Expect.AllowedL7:
                NoDrop(drops, problems);
                if (!flows.Any(f => IsHttp(f, L7FlowType.Request) && f.Verdict == Verdict.Forwarded))
                {
                    problems.Add("expected an http-request FORWARDED flow; saw none");
                }
                if (!flows.Any(f => IsHttp(f, L7FlowType.Response) && f.L7.Http.Code is >= 200 and < 300))
                {
                    problems.Add("expected an http-response flow with a 2xx status; saw none");
                }
                break;
            case Expect.DroppedDefaultDeny:
                Drop(drops, DropReason.PolicyDenied, problems);
                break;
            case Expect.DroppedDenyRule:
                Drop(drops, DropReason.PolicyDeny, problems);
                break;
            case Expect.L7Denied:
                if (!flows.Any(f => IsHttp(f, L7FlowType.Request) && f.Verdict == Verdict.Dropped))
                {
                    problems.Add("expected an http-request DROPPED flow; saw none");
                }
                if (!flows.Any(f => IsHttp(f, L7FlowType.Response) && f.L7.Http.Code == 403))
                {
                    problems.Add("expected an http-response flow with status 403; saw none");
                }
                break;
            case Expect.DnsAnswered:
                NoDrop(drops, problems);
                if (!flows.Any(f => IsDns(f, L7FlowType.Request) && f.Verdict == Verdict.Forwarded))
                {
                    problems.Add("expected a dns-request FORWARDED flow; saw none");
                }
                if (!flows.Any(f => IsDns(f, L7FlowType.Response) && f.L7.Dns.Rcode == 0 && f.L7.Dns.Ips.Count > 0))
                {
                    problems.Add("expected a dns-response flow with rcode NOERROR and an address; saw none");
                }
                break;
            case Expect.DnsRefused:
                if (!flows.Any(f => IsDns(f, L7FlowType.Request) && f.Verdict == Verdict.Dropped))
                {
                    problems.Add("expected a dns-request DROPPED flow; saw none");
                }
                if (!flows.Any(f => IsDns(f, L7FlowType.Response) && f.L7.Dns.Rcode == DnsRcodeRefused))
                {
                    problems.Add("expected a dns-response flow with rcode REFUSED (5); saw none");
                }
                break;
            case Expect.KafkaAllowed:
                NoDrop(drops, problems);
                if (!flows.Any(f => IsKafka(f, L7FlowType.Request) && f.Verdict == Verdict.Forwarded))
                {
                    problems.Add("expected a kafka-request FORWARDED flow for the topic; saw none");
                }
                if (flows.Any(f => f.L7?.Kafka is not null && f.Verdict == Verdict.Dropped))
                {
                    problems.Add("expected no kafka flow DROPPED for the topic; saw one");
                }
                break;
            case Expect.KafkaDenied:
                if (!flows.Any(f => IsKafka(f, L7FlowType.Request) && f.Verdict == Verdict.Dropped && f.L7.Kafka.ErrorCode == KafkaTopicAuthorizationFailed))
                {
                    problems.Add("expected a kafka-request DROPPED flow with error_code 29 for the topic; saw none");
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(expect), expect, "unknown expectation");
        }
        return problems;
    }

    private const uint DnsRcodeRefused = 5;
    private const int KafkaTopicAuthorizationFailed = 29;

    private static bool IsHttp(Flow f, L7FlowType type) => f.L7 is { Http: not null } l7 && l7.Type == type;

    private static bool IsDns(Flow f, L7FlowType type) => f.L7 is { Dns: not null } l7 && l7.Type == type;

    private static bool IsKafka(Flow f, L7FlowType type) => f.L7 is { Kafka: not null } l7 && l7.Type == type;

    private static void NoDrop(List<Flow> drops, List<string> problems)
    {
        if (drops.Count > 0)
        {
            problems.Add($"expected no DROPPED flow; saw {drops.Count} ({drops[0].DropReasonDesc})");
        }
    }

    private static void Drop(List<Flow> drops, DropReason reason, List<string> problems)
    {
        if (!drops.Any(f => f.DropReasonDesc == reason))
        {
            problems.Add(drops.Count == 0
                ? $"expected a DROPPED flow with reason {ProtoName(reason)}; saw no drop"
                : $"expected a DROPPED flow with reason {ProtoName(reason)}; saw {ProtoName(drops[0].DropReasonDesc)}");
        }
    }

    private static string ProtoName(DropReason reason) => reason switch
    {
        DropReason.PolicyDenied => "POLICY_DENIED",
        DropReason.PolicyDeny => "POLICY_DENY",
        _ => reason.ToString(),
    };

    private async Task<List<Flow>> ReadAsync(Connection connection, DateTimeOffset since, CancellationToken ct)
    {
        var request = new GetFlowsRequest { Follow = false, Since = Timestamp.FromDateTimeOffset(since) };
        var result = new List<Flow>();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(10));
        using var call = _client.GetFlows(request, cancellationToken: bounded.Token);
        while (await call.ResponseStream.MoveNext(bounded.Token).ConfigureAwait(false))
        {
            if (call.ResponseStream.Current.Flow is { } flow && Belongs(flow, connection))
            {
                result.Add(flow);
            }
        }
        return result;
    }

    /// <summary>True when <paramref name="flow"/> is part of the action's connection.</summary>
    public static bool Belongs(Flow flow, Connection c)
    {
        var tcp = flow.L4?.TCP;
        var udp = flow.L4?.UDP;
        var ip = flow.IP;
        if (ip is not null && c.Action.Kafka is { } kafka)
        {
            // kcat's connections have no pinned port: the Kafka flows of the client for the action's topic.
            return flow.L7?.Kafka is { } k && k.Topic == kafka.Topic && c.ClientIp is not null && (ip.Source == c.ClientIp || ip.Destination == c.ClientIp);
        }
        var (sourcePort, destinationPort) = tcp is not null ? (tcp.SourcePort, tcp.DestinationPort) : udp is not null ? (udp.SourcePort, udp.DestinationPort) : (0u, 0u);
        if ((tcp is not null || udp is not null) && ip is not null)
        {
            if (sourcePort == c.ClientPort && (c.ClientIp is null || ip.Source == c.ClientIp))
            {
                return true;
            }
            if (destinationPort == c.ClientPort && (c.ClientIp is null || ip.Destination == c.ClientIp))
            {
                return true;
            }
        }
        // An L7 flow without the client's port: same client address, method and path.
        if (flow.L7?.Http is { } http && tcp is null && ip is not null && c.ClientIp is not null
            && (ip.Source == c.ClientIp || ip.Destination == c.ClientIp)
            && http.Method == c.Action.Request.Method
            && Uri.TryCreate(http.Url, UriKind.Absolute, out var url) && url.AbsolutePath == c.Action.Request.Path)
        {
            return true;
        }
        return false;
    }

    public void Dispose() => _channel.Dispose();
}
