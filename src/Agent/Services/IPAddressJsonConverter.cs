using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CiliumL7.Agent.Services;

/// <summary>IP addresses as JSON strings (<c>"10.96.0.10"</c>).</summary>
internal sealed class IPAddressJsonConverter : JsonConverter<IPAddress>
{
    public override IPAddress? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        var text = reader.GetString();
        return IPAddress.TryParse(text, out var address)
            ? address
            : throw new JsonException("\"" + text + "\" is not an IP address");
    }

    public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
