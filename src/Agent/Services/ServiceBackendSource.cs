using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>Where a service's backends come from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServiceBackendSource>))]
public enum ServiceBackendSource
{
    /// <summary>The endpoints of the service's namespace whose labels match its selector (local ones, and in kvstore mode the other nodes' pods).</summary>
    Selector,

    /// <summary>The ready addresses of the Kubernetes EndpointSlices labelled with the service's name (Kubernetes mode).</summary>
    EndpointSlices,
}
