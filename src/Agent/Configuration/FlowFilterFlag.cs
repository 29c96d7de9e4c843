using System.Text.Json;
using CiliumL7.Hubble.Api;
using Google.Protobuf;

namespace CiliumL7.Agent.Configuration;

/// <summary>
/// Parses Cilium's <c>--hubble-export-allowlist/denylist</c> values: one FlowFilter
/// as a JSON object, or a JSON array of them (protojson, e.g.
/// <c>{"verdict":["DROPPED"],"source_pod":["default/"]}</c>).
/// </summary>
internal static class FlowFilterFlag
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    public static IReadOnlyList<FlowFilter> Parse(string flag, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return [];
        }
        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    return [Parser.Parse<FlowFilter>(root.GetRawText())];
                case JsonValueKind.Array:
                    var filters = new List<FlowFilter>(root.GetArrayLength());
                    foreach (var element in root.EnumerateArray())
                    {
                        if (element.ValueKind != JsonValueKind.Object)
                        {
                            throw new ArgumentException($"{flag} \"{value}\": array elements must be FlowFilter objects");
                        }
                        filters.Add(Parser.Parse<FlowFilter>(element.GetRawText()));
                    }
                    return filters;
                default:
                    throw new ArgumentException($"{flag} \"{value}\" is not a FlowFilter JSON object or an array of them");
            }
        }
        catch (Exception e) when (e is JsonException or InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw new ArgumentException($"{flag} \"{value}\" is not a FlowFilter JSON object or an array of them: {e.Message}", e);
        }
    }
}
