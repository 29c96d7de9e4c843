using System.Net;
using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>
/// What a user (or the demo) declares: a ClusterIP service in the shape of
/// a Kubernetes Service. Backends are the local endpoints of the same
/// namespace whose labels match <see cref="Selector"/>, or (Kubernetes mode)
/// the ready addresses of its EndpointSlices (<see cref="BackendSource"/>).
/// </summary>
public sealed record ServiceSpec
{
    /// <summary>Service name (a DNS label: <c>deathstar</c>).</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>Namespace; defaults to <c>default</c>.</summary>
    [JsonPropertyName("namespace")]
    public string Namespace { get; init; } = "default";

    /// <summary>Requested VIP (clusterIP) inside the service CIDR, or null to allocate one.</summary>
    [JsonPropertyName("vip")]
    [JsonConverter(typeof(IPAddressJsonConverter))]
    public IPAddress? Vip { get; init; }

    /// <summary>Ports; at least one.</summary>
    [JsonPropertyName("ports")]
    public IReadOnlyList<ServicePort> Ports { get; init; } = [];

    /// <summary>Label selector (<c>org=empire, class=deathstar</c>); keys may carry a source prefix (<c>k8s:org</c>).</summary>
    [JsonPropertyName("selector")]
    public IReadOnlyDictionary<string, string> Selector { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the backends come from: the selector (default) or the Kubernetes EndpointSlices of the service.</summary>
    [JsonPropertyName("backendSource")]
    public ServiceBackendSource BackendSource { get; init; } = ServiceBackendSource.Selector;
}
