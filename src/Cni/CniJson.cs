using System.Text;
using System.Text.Json;

namespace CiliumL7.Cni;

/// <summary>The JSON the plugin prints: results, errors, version info.</summary>
internal static class CniJson
{
    public static string Error(string cniVersion, CniException error) => Write(w =>
    {
        w.WriteString("cniVersion", cniVersion);
        w.WriteNumber("code", error.Code);
        w.WriteString("msg", error.Message);
        if (!string.IsNullOrEmpty(error.Details))
        {
            w.WriteString("details", error.Details);
        }
    });

    public static string Version(string cniVersion) => Write(w =>
    {
        w.WriteString("cniVersion", cniVersion);
        w.WriteStartArray("supportedVersions");
        foreach (var v in NetworkConfig.SupportedVersions)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    });

    /// <summary>A CNI 1.0 ADD result: host and pod interfaces, the /32 address, the default route.</summary>
    public static string AddResult(string cniVersion, string hostIf, string hostMac, string podIf, string podMac, string netns, string ip, string gateway) => Write(w =>
    {
        w.WriteString("cniVersion", cniVersion);
        w.WriteStartArray("interfaces");
        w.WriteStartObject();
        w.WriteString("name", hostIf);
        w.WriteString("mac", hostMac);
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("name", podIf);
        w.WriteString("mac", podMac);
        w.WriteString("sandbox", netns);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("ips");
        w.WriteStartObject();
        if (cniVersion is "0.3.0" or "0.3.1")
        {
            w.WriteString("version", "4");
        }
        w.WriteString("address", ip + "/32");
        w.WriteString("gateway", gateway);
        w.WriteNumber("interface", 1);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("routes");
        w.WriteStartObject();
        w.WriteString("dst", "0.0.0.0/0");
        w.WriteString("gw", gateway);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("dns");
        w.WriteEndObject();
    });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
