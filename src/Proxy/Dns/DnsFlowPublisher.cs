using System.Diagnostics;
using System.Net;
using CiliumL7.Proxy.Flows;

namespace CiliumL7.Proxy.Dns;

/// <summary>The L7 flows of one DNS query and its answer (Hubble's DNS fields, observation source "proxy").</summary>
internal readonly struct DnsFlowPublisher(
    ProxyRuntime runtime,
    ProxyRedirect redirect,
    IPEndPoint client,
    PeerInfo clientPeer,
    IPEndPoint server,
    PeerInfo serverPeer,
    DnsQuestion question,
    bool tcp,
    ulong requestId)
{
    private static readonly string[] None = [];

    /// <summary>What an audited query would have been answered, enforced.</summary>
    public static string AuditOutcomeOf(DnsRejectResponseCode code) => code switch
    {
        DnsRejectResponseCode.Refused => "REFUSED",
        DnsRejectResponseCode.NameError => "NXDOMAIN",
        _ => "rcode " + ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public void Request(FlowVerdict verdict, string? policyName)
    {
        if (!runtime.Options.EmitFlows)
        {
            return;
        }
        Publish(L7FlowType.Request, verdict, policyName, 0, new DnsFlowInfo(question.Name, [DnsTypeNames.Name(question.Type)], 0, None, 0, None, None, tcp));
    }

    public void Response(FlowVerdict verdict, string? policyName, int rcode, DnsAnswer? answer, long started)
    {
        if (!runtime.Options.EmitFlows)
        {
            return;
        }
        IReadOnlyList<string> ips = None;
        IReadOnlyList<string> types = None;
        if (answer is not null)
        {
            var list = new string[answer.Addresses.Count];
            for (var i = 0; i < list.Length; i++)
            {
                list[i] = answer.Addresses[i].Address.ToString();
            }
            ips = list;
            var names = new string[answer.RecordTypes.Count];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = DnsTypeNames.Name(answer.RecordTypes[i]);
            }
            types = names;
        }
        var info = new DnsFlowInfo(question.Name, [DnsTypeNames.Name(question.Type)], rcode, ips, answer?.MinTtl ?? 0, answer?.Cnames ?? None, types, tcp);
        Publish(L7FlowType.Response, verdict, policyName, (long)Stopwatch.GetElapsedTime(started).TotalNanoseconds, info);
    }

    private void Publish(L7FlowType type, FlowVerdict verdict, string? policyName, long latencyNs, DnsFlowInfo info)
    {
        var c = new FlowEndpoint(client.Address, (ushort)client.Port, clientPeer);
        var s = new FlowEndpoint(server.Address, (ushort)server.Port, serverPeer);
        var response = type == L7FlowType.Response;
        runtime.Flows.Publish(new L7FlowEvent
        {
            Time = DateTimeOffset.UtcNow,
            Type = type,
            Verdict = verdict,
            Direction = redirect.Key.Direction,
            Source = response ? s : c,
            Destination = response ? c : s,
            ProxyPort = redirect.ProxyPort,
            EndpointId = redirect.Key.EndpointId,
            PolicyName = policyName,
            LatencyNs = latencyNs,
            RequestId = requestId,
            AuditOutcome = verdict == FlowVerdict.Audit ? AuditOutcomeOf(runtime.Options.DnsRejectResponseCode) : null,
            Dns = info,
        });
    }
}
