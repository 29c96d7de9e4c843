using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>One line of the service state file: the spec (VIP filled in) and its frontend ids, so both stay stable across restarts.</summary>
internal sealed record PersistedService(
    [property: JsonPropertyName("spec")] ServiceSpec Spec,
    [property: JsonPropertyName("frontendIds")] int[] FrontendIds);
