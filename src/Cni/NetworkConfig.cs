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

    /// <summary>Largest configuration read from stdin (a real one is under 2 KiB).</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Deepest JSON nesting accepted (a real configuration nests 4 deep).</summary>
    public const int MaxDepth = 32;

    /// <summary>Smallest and largest MTU Linux accepts on an IPv4 veth.</summary>
    public const int MinMtu = 68;
    public const int MaxMtu = 65535;

    /// <summary>Reads stdin up to <see cref="MaxBytes"/> characters; a larger configuration is an error, not read further.</summary>
    public static string ReadBounded(TextReader stdin)
    {
        var buffer = new char[MaxBytes + 1];
        var total = 0;
        int n;
        while (total < buffer.Length && (n = stdin.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += n;
        }
        if (total > MaxBytes)
        {
            throw new CniException(CniException.DecodeFailure, $"network config on stdin is larger than the limit of {MaxBytes} bytes", "a CNI network configuration is a few hundred bytes; check what is piped to the plugin");
        }
        return new string(buffer, 0, total);
    }

    public static NetworkConfig Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
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
                throw new CniException(CniException.IncompatibleVersion, $"network config: cniVersion \"{Truncate(version)}\" is not supported", "supported: " + string.Join(", ", SupportedVersions));
            }
            var name = String(root, "name") ?? "";
            if (name.Length == 0)
            {
                throw new CniException(CniException.InvalidConfig, "network config: name is required");
            }
            var socket = String(root, "agent-socket") ?? AgentClient.DefaultSocketPath;
            var mtu = ReadMtu(root);
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

    private static int ReadMtu(JsonElement root)
    {
        if (!root.TryGetProperty("mtu", out var m) || m.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }
        if (m.ValueKind != JsonValueKind.Number)
        {
            throw new CniException(CniException.InvalidConfig, $"network config: mtu must be a number, not a JSON {m.ValueKind.ToString().ToLowerInvariant()}", $"e.g. \"mtu\": 1500 ({MinMtu}..{MaxMtu}), or leave it out for the default");
        }
        if (!m.TryGetInt32(out var mtu) || mtu < MinMtu || mtu > MaxMtu)
        {
            throw new CniException(CniException.InvalidConfig, $"network config: mtu {Truncate(m.GetRawText())} is out of range", $"use a whole number from {MinMtu} to {MaxMtu}, e.g. 1500, or leave it out for the default");
        }
        return mtu;
    }

    private static string? String(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new CniException(CniException.InvalidConfig, $"network config: {name} must be a string, not a JSON {value.ValueKind.ToString().ToLowerInvariant()}");
        }
        return value.GetString();
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + $"… ({value.Length} chars)";
}
