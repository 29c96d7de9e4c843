using System.Net;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Ipam;
using CiliumL7.Agent.Observability;
using CiliumL7.Hubble.Server;
using CiliumL7.Proxy;
using CiliumL7.Proxy.Flows;
using PolicyDirection = CiliumL7.Policy.TrafficDirection;

namespace CiliumL7.Perf.Micro;

/// <summary>The proxy's flow events of one Death Star request (allowed POST) and its response, as the proxy emits them.</summary>
internal static class FlowSamples
{
    private static readonly PeerInfo Tiefighter = new(1001, 3, "default", "tiefighter", ["k8s:class=tiefighter", "k8s:org=empire", "k8s:io.kubernetes.pod.namespace=default"]);
    private static readonly PeerInfo Deathstar = new(2002, 7, "default", "deathstar", ["k8s:class=deathstar", "k8s:org=empire", "k8s:io.kubernetes.pod.namespace=default"]);
    private static readonly FlowEndpoint Client = new(IPAddress.Parse("10.244.0.3"), 44396, Tiefighter);
    private static readonly FlowEndpoint Server = new(IPAddress.Parse("10.244.0.7"), 80, Deathstar);
    private static readonly KeyValuePair<string, string>[] Headers =
    [
        new("Host", "deathstar.default.svc.cluster.local"),
        new("User-Agent", "wrk"),
        new("Accept", "*/*"),
    ];

    private const string Url = "http://deathstar.default.svc.cluster.local/v1/request-landing";

    public static L7FlowEvent Request(ulong id) => new()
    {
        Time = DateTimeOffset.UtcNow, Type = L7FlowType.Request, Verdict = FlowVerdict.Forwarded,
        Direction = PolicyDirection.Ingress, Source = Client, Destination = Server, ProxyPort = 15001, EndpointId = 7,
        PolicyName = "default/rule1", RequestId = id, Http = new HttpFlowInfo(0, "POST", Url, "HTTP/1.1", Headers),
    };

    public static L7FlowEvent Response(ulong id) => new()
    {
        Time = DateTimeOffset.UtcNow, Type = L7FlowType.Response, Verdict = FlowVerdict.Forwarded,
        Direction = PolicyDirection.Ingress, Source = Server, Destination = Client, ProxyPort = 15001, EndpointId = 7,
        PolicyName = "default/rule1", RequestId = id, LatencyNs = 350_000, Http = new HttpFlowInfo(200, "POST", Url, "HTTP/1.1", []),
    };

    /// <summary>The agent's L7 → Hubble converter publishing into <paramref name="publisher"/>.</summary>
    public static HubbleFlows Feed(IFlowPublisher publisher, string stateDir)
        => new(publisher, new EndpointManager(stateDir, Ipv4Cidr.Parse("10.244.0.0/24")), new PolicyCookieNames());
}
