using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;

namespace CiliumL7.Hubble.Tests;

/// <summary>The tutorial's flows, with fixed times so printed lines are exact.</summary>
internal static class DeathStarFlows
{
    public static readonly DateTimeOffset T0 = new(2026, 4, 5, 21, 3, 15, 919, TimeSpan.Zero);

    public const string Url = "http://deathstar.default.svc.cluster.local/v1/exhaust-port";
    public const string LandingUrl = "http://deathstar.default.svc.cluster.local/v1/request-landing";

    public static Endpoint Tiefighter() => FlowBuilder.NewEndpoint(1011, 25698, "default", "tiefighter",
        "k8s:class=tiefighter", "k8s:org=empire", "k8s:io.kubernetes.pod.namespace=default");

    public static Endpoint Deathstar() => FlowBuilder.NewEndpoint(2042, 6822, "default", "deathstar-b4b8ccfb5-f75xw",
        "k8s:class=deathstar", "k8s:org=empire", "k8s:io.kubernetes.pod.namespace=default");

    public static Endpoint Xwing() => FlowBuilder.NewEndpoint(3077, 31337, "default", "xwing",
        "k8s:class=xwing", "k8s:org=alliance", "k8s:io.kubernetes.pod.namespace=default");

    public static FlowPeer TiefighterPeer => new("10.244.0.10", 44396, Tiefighter());

    public static FlowPeer DeathstarPeer => new("10.244.0.20", 80, Deathstar());

    public static FlowPeer XwingPeer => new("10.244.0.30", 51200, Xwing());

    /// <summary>xwing → deathstar:80 dropped in eBPF by default deny at the deathstar's ingress.</summary>
    public static Flow XwingDrop(int offsetMs = 0)
        => FlowBuilder.Drop(XwingPeer, DeathstarPeer, DropReason.PolicyDenied, TrafficDirection.Ingress, time: T0.AddMilliseconds(offsetMs));

    /// <summary>tiefighter's PUT /v1/exhaust-port denied by the L7 policy.</summary>
    public static Flow ExhaustPortRequest(int offsetMs = 0)
    {
        var flow = FlowBuilder.HttpRequest(TiefighterPeer, DeathstarPeer, TrafficDirection.Ingress, Verdict.Dropped, "PUT", Url, time: T0.AddMilliseconds(offsetMs));
        return FlowBuilder.AddPolicy(flow, FlowBuilder.Policy("rule1", "default"), denied: true);
    }

    /// <summary>The 403 the proxy answered the denied request with.</summary>
    public static Flow ExhaustPort403(int offsetMs = 0)
        => FlowBuilder.HttpResponse(TiefighterPeer, DeathstarPeer, TrafficDirection.Ingress, Verdict.Forwarded, 403, "PUT", Url,
            TimeSpan.FromMilliseconds(1.5), time: T0.AddMilliseconds(offsetMs));

    /// <summary>tiefighter's allowed POST /v1/request-landing.</summary>
    public static Flow LandingRequest(int offsetMs = 0)
    {
        var flow = FlowBuilder.HttpRequest(TiefighterPeer, DeathstarPeer, TrafficDirection.Ingress, Verdict.Forwarded, "POST", LandingUrl, time: T0.AddMilliseconds(offsetMs));
        return FlowBuilder.AddPolicy(flow, FlowBuilder.Policy("rule1", "default"), denied: false);
    }

    /// <summary>The deathstar's 200 "Ship landed".</summary>
    public static Flow Landing200(int offsetMs = 0)
        => FlowBuilder.HttpResponse(TiefighterPeer, DeathstarPeer, TrafficDirection.Ingress, Verdict.Forwarded, 200, "POST", LandingUrl,
            TimeSpan.FromMilliseconds(12), time: T0.AddMilliseconds(offsetMs));

    /// <summary>The policy verdict that allowed tiefighter's connection.</summary>
    public static Flow TiefighterAllowed(int offsetMs = 0)
        => FlowBuilder.PolicyVerdict(TiefighterPeer, DeathstarPeer, Verdict.Forwarded, TrafficDirection.Ingress, PolicyMatchType.L3L4,
            time: T0.AddMilliseconds(offsetMs));

    /// <summary>All of the above in tutorial order, 10 ms apart.</summary>
    public static Flow[] All() =>
    [
        XwingDrop(0),
        TiefighterAllowed(10),
        LandingRequest(20),
        Landing200(30),
        ExhaustPortRequest(40),
        ExhaustPort403(50),
    ];
}
