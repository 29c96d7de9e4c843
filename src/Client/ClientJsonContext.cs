using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CiliumL7.Client.Models;

namespace CiliumL7.Client;

/// <summary>
/// JSON contract of the agent's REST API (camelCase, nulls omitted), shared by
/// the agent, the CLI and the CNI plugin so both sides serialize alike.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(EndpointModel))]
[JsonSerializable(typeof(List<EndpointModel>))]
[JsonSerializable(typeof(EndpointCreateRequest))]
[JsonSerializable(typeof(IdentityModel))]
[JsonSerializable(typeof(List<IdentityModel>))]
[JsonSerializable(typeof(IpamAllocation))]
[JsonSerializable(typeof(IpamAllocateRequest))]
[JsonSerializable(typeof(IpamStatusModel))]
[JsonSerializable(typeof(PolicyModel))]
[JsonSerializable(typeof(PolicyImportResult))]
[JsonSerializable(typeof(PolicyDeleteResult))]
[JsonSerializable(typeof(StatusModel))]
[JsonSerializable(typeof(BpfPolicyModel))]
[JsonSerializable(typeof(ErrorModel))]
[JsonSerializable(typeof(NodeModel))]
[JsonSerializable(typeof(List<NodeModel>))]
[JsonSerializable(typeof(List<DropEventModel>))]
[JsonSerializable(typeof(List<FqdnCacheEntryModel>))]
[JsonSerializable(typeof(FqdnCleanResult))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonNode))]
public sealed partial class ClientJsonContext : JsonSerializerContext
{
    /// <summary>The same contract, without HTML-safe escaping (<c>+</c>, quotes stay readable in CLI output).</summary>
    public static ClientJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
