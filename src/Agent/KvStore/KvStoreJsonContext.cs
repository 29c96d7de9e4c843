using System.Text.Json.Serialization;

namespace CiliumL7.Agent.KvStore;

/// <summary>JSON of the values CiliumL7 writes to the kvstore (Cilium's field names, as they are).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, IgnoreReadOnlyProperties = true)]
[JsonSerializable(typeof(IpcacheRecord))]
[JsonSerializable(typeof(NodeRecord))]
internal sealed partial class KvStoreJsonContext : JsonSerializerContext;
