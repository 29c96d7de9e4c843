using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>The service state file (<c>&lt;state-dir&gt;/services.json</c>): services and the pod namespaces that got a hosts file.</summary>
internal sealed record PersistedServiceState
{
    [JsonPropertyName("services")]
    public List<PersistedService> Services { get; init; } = [];

    /// <summary>netns path → pod namespace (null = unknown).</summary>
    [JsonPropertyName("podNetns")]
    public Dictionary<string, string?> PodNetns { get; init; } = [];
}
