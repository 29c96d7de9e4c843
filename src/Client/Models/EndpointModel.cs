namespace CiliumL7.Client.Models;

/// <summary>An endpoint (a pod's network interface) as the agent reports it on <c>/v1/endpoint</c>.</summary>
public sealed record EndpointModel
{
    /// <summary>Node-local endpoint id (1..65535).</summary>
    public required int Id { get; init; }

    /// <summary>Pod name.</summary>
    public required string Name { get; init; }

    /// <summary>Pod namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>Labels as <c>source:key=value</c> (e.g. <c>k8s:app=foo</c>), sorted.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>Numeric security identity.</summary>
    public required long Identity { get; init; }

    /// <summary>IPv4 address of the pod.</summary>
    public string? Ipv4 { get; init; }

    /// <summary>IPv6 address of the pod (not allocated by this build: always null, but always present in JSON).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public string? Ipv6 { get; init; }

    /// <summary>Interface index of the host-side veth.</summary>
    public required int Ifindex { get; init; }

    /// <summary>Name of the host-side veth (e.g. <c>lxc1a2b3c4d</c>).</summary>
    public required string HostInterface { get; init; }

    /// <summary>MAC address of the host-side veth.</summary>
    public string? HostMac { get; init; }

    /// <summary>MAC address of the pod-side interface.</summary>
    public string? PodMac { get; init; }

    /// <summary>Container id the runtime gave the CNI plugin.</summary>
    public required string ContainerId { get; init; }

    /// <summary>Network namespace path of the pod.</summary>
    public required string Netns { get; init; }

    /// <summary>Interface name inside the pod.</summary>
    public required string PodInterface { get; init; }

    /// <summary>Endpoint state: <c>ready</c>, <c>waiting-for-identity</c>, <c>regenerating</c>, <c>not-ready</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Whether ingress policy is enforced (some rule selects the endpoint for ingress).</summary>
    public bool PolicyIngressEnforced { get; init; }

    /// <summary>Whether egress policy is enforced.</summary>
    public bool PolicyEgressEnforced { get; init; }

    /// <summary>
    /// Audit mode for this endpoint (<c>endpoint config ID audit=on</c>): every
    /// policy selecting it is evaluated, nothing is dropped, would-be drops are AUDIT flows.
    /// </summary>
    public bool PolicyAuditMode { get; init; }
}
