using System.Text.Json;
using CiliumL7.Client;

namespace CiliumL7.Cni;

/// <summary>
/// The network configuration on stdin. Recognized fields: <c>cniVersion</c>,
/// <c>name</c>, <c>type</c>, <c>agent-socket</c> (default
/// /var/run/ciliuml7/agent.sock), <c>mtu</c>, and labels in
/// <c>args.cni.labels</c> as <c>[{"key":…,"value":…}]</c>.
/// </summary>
internal sealed record NetworkConfig(string CniVersion, string Name, string AgentSocket, int Mtu, IReadOnlyList<string> Labels)
{
    public static readonly string[] SupportedVersions = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"];

    public static NetworkConfig Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new CniException(CniException.DecodeFailure, "network config on stdin is not valid JSON", e.Message);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CniException(CniException.DecodeFailure, "network config on stdin must be a JSON object");
            }
            var version = String(root, "cniVersion") ?? "";
            if (version.Length == 0)
            {
                throw new CniException(CniException.InvalidConfig, "network config: cniVersion is required", "e.g. \"cniVersion\": \"1.0.0\"");
            }
            if (Array.IndexOf(SupportedVersions, version) < 0)
            {
                throw new CniException(CniException.IncompatibleVersion, $"network config: cniVersion \"{version}\" is not supported", "supported: " + string.Join(", ", SupportedVersions));
            }
            var name = String(root, "name") ?? "";
            if (name.Length == 0)
            {
                throw new CniException(CniException.InvalidConfig, "network config: name is required");
            }
            var socket = String(root, "agent-socket") ?? AgentClient.DefaultSocketPath;
            var mtu = root.TryGetProperty("mtu", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : 0;
            return new NetworkConfig(version, name, socket, mtu, ReadLabels(root));
        }
    }

    private static List<string> ReadLabels(JsonElement root)
    {
        var labels = new List<string>();
        if (!root.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Object
            || !args.TryGetProperty("cni", out var cni) || cni.ValueKind != JsonValueKind.Object
            || !cni.TryGetProperty("labels", out var list))
        {
            return labels;
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new CniException(CniException.InvalidConfig, "network config: args.cni.labels must be a list of {\"key\": …, \"value\": …}");
        }
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var key = item.ValueKind == JsonValueKind.Object ? String(item, "key") : null;
            if (string.IsNullOrEmpty(key))
            {
                throw new CniException(CniException.InvalidConfig, $"network config: args.cni.labels[{index}].key is required");
            }
            labels.Add(key + "=" + (String(item, "value") ?? ""));
            index++;
        }
        return labels;
    }

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
