using System.Net;
using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>A selected backend of one frontend.</summary>
/// <param name="EndpointId">The endpoint (pod) id.</param>
/// <param name="Ip">The pod address.</param>
/// <param name="Port">The target port on the pod.</param>
public sealed record ServiceBackend(
    [property: JsonPropertyName("endpointId")] uint EndpointId,
    [property: JsonPropertyName("ip"), JsonConverter(typeof(IPAddressJsonConverter))] IPAddress Ip,
    [property: JsonPropertyName("port")] int Port);
