using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>One port of a service, as in a Kubernetes Service's <c>spec.ports[]</c>.</summary>
public sealed record ServicePort
{
    /// <summary>Optional port name (e.g. <c>http</c>).</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>The port clients dial on the VIP.</summary>
    [JsonPropertyName("port")]
    public int Port { get; init; }

    /// <summary>The port on the backend pods; 0 = same as <see cref="Port"/>.</summary>
    [JsonPropertyName("targetPort")]
    public int TargetPort { get; init; }

    /// <summary><c>TCP</c> (default) or <c>UDP</c>.</summary>
    [JsonPropertyName("protocol")]
    public string Protocol { get; init; } = "TCP";

    /// <summary>The effective target port.</summary>
    [JsonIgnore]
    public int EffectiveTargetPort => TargetPort == 0 ? Port : TargetPort;
}
