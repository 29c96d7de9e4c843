using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>One VIP:port/protocol of a service with its backends, as written to the datapath.</summary>
/// <param name="Id">Frontend id (the map's rev-NAT index, <c>cilium service list</c>'s ID).</param>
/// <param name="Address">VIP:port, e.g. <c>10.96.0.10:80</c>.</param>
/// <param name="Protocol">TCP or UDP.</param>
/// <param name="Backends">Selected backends, ordered by endpoint id.</param>
public sealed record ServiceFrontend(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("protocol")] string Protocol,
    [property: JsonPropertyName("backends")] IReadOnlyList<ServiceBackend> Backends);
