namespace CiliumL7.Client.Models;

/// <summary>Body of <c>PUT /v1/endpoint/container-id:{id}</c>: what the CNI plugin wired up.</summary>
public sealed record EndpointCreateRequest
{
    /// <summary>Container id of the pod sandbox.</summary>
    public required string ContainerId { get; init; }

    /// <summary>Pod name (<c>K8S_POD_NAME</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Pod namespace (<c>K8S_POD_NAMESPACE</c>).</summary>
    public required string Namespace { get; init; }

    /// <summary>Labels, <c>key=value</c> or <c>source:key=value</c> (no source means <c>k8s</c>).</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>The IPv4 address allocated for the pod through <c>POST /v1/ipam</c>.</summary>
    public required string Ipv4 { get; init; }

    /// <summary>Host-side veth name.</summary>
    public required string HostInterface { get; init; }

    /// <summary>Host-side veth ifindex (in the agent's network namespace).</summary>
    public required int Ifindex { get; init; }

    /// <summary>Host-side veth MAC.</summary>
    public string? HostMac { get; init; }

    /// <summary>Pod-side MAC.</summary>
    public string? PodMac { get; init; }

    /// <summary>Network namespace path of the pod.</summary>
    public required string Netns { get; init; }

    /// <summary>Interface name inside the pod.</summary>
    public required string PodInterface { get; init; }
}
