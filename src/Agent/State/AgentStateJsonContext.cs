using System.Text.Json.Serialization;
using CiliumL7.Agent.Policies;
using CiliumL7.Client.Models;

namespace CiliumL7.Agent.State;

/// <summary>JSON contract of the files in the state directory.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<PersistedPolicy>))]
[JsonSerializable(typeof(List<EndpointModel>))]
[JsonSerializable(typeof(List<IpamAllocation>))]
[JsonSerializable(typeof(List<IdentityModel>))]
[JsonSerializable(typeof(List<PersistedRedirect>))]
[JsonSerializable(typeof(List<CiliumL7.Agent.Fqdn.PersistedFqdnEntry>))]
internal sealed partial class AgentStateJsonContext : JsonSerializerContext;
