using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>What the socket load balancer holds in the kernel (<c>GET /v1/service/datapath</c>, for status and <c>bpf lb list</c>).</summary>
public sealed record ServiceDatapathStatus
{
    /// <summary>Attached cgroup hooks (pinned links), e.g. <c>connect4</c>.</summary>
    [JsonPropertyName("hooks")]
    public required IReadOnlyList<string> Hooks { get; init; }

    /// <summary>Cookies of the network namespaces whose sockets are translated (0 = all).</summary>
    [JsonPropertyName("servedNetns")]
    public required IReadOnlyList<ulong> ServedNetns { get; init; }

    /// <summary>Frontends as read back from <c>ciliuml7_lb_svc</c>/<c>ciliuml7_lb_be</c>.</summary>
    [JsonPropertyName("frontends")]
    public required IReadOnlyList<ServiceFrontend> Frontends { get; init; }
}
