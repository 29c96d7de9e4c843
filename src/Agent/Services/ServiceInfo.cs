using System.Net;
using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>A service as the agent holds it (the <c>/v1/service</c> JSON shape).</summary>
public sealed record ServiceInfo
{
    /// <summary>The spec, with the VIP filled in.</summary>
    [JsonPropertyName("spec")]
    public required ServiceSpec Spec { get; init; }

    /// <summary>The allocated VIP (same as <c>Spec.Vip</c>).</summary>
    [JsonPropertyName("vip")]
    [JsonConverter(typeof(IPAddressJsonConverter))]
    public required IPAddress Vip { get; init; }

    /// <summary>Names that resolve to the VIP inside pods (hosts file).</summary>
    [JsonPropertyName("dnsNames")]
    public required IReadOnlyList<string> DnsNames { get; init; }

    /// <summary>One entry per port.</summary>
    [JsonPropertyName("frontends")]
    public required IReadOnlyList<ServiceFrontend> Frontends { get; init; }
}
