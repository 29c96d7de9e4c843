using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CiliumL7.Cli;

/// <summary>
/// Runs <c>ciliuml7-cni</c> exactly as a container runtime would: <c>CNI_*</c>
/// environment, network config on stdin, result or error JSON on stdout.
/// </summary>
internal static class CniRunner
{
    /// <summary>The plugin next to this executable, or <c>$CILIUML7_CNI</c>.</summary>
    public static string DefaultPluginPath =>
        Environment.GetEnvironmentVariable("CILIUML7_CNI") is { Length: > 0 } p ? p : Path.Combine(AppContext.BaseDirectory, "ciliuml7-cni");

    /// <summary>Builds the network config the CLI hands the plugin.</summary>
    public static string NetworkConfig(string agentSocket, IReadOnlyList<KeyValuePair<string, string>> labels)
    {
        var list = new JsonArray();
        foreach (var (key, value) in labels)
        {
            list.Add(new JsonObject { ["key"] = key, ["value"] = value });
        }
        var config = new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = "ciliuml7",
            ["type"] = "ciliuml7-cni",
            ["agent-socket"] = agentSocket,
            ["args"] = new JsonObject { ["cni"] = new JsonObject { ["labels"] = list } },
        };
        return config.ToJsonString();
    }

    /// <summary>
    /// The network namespace of the node the pod goes on (<c>--node NAME</c> of a local cluster): the plugin
    /// runs inside it, as the runtime on that node would. Null: this CLI's own namespace.
    /// </summary>
    public static string? NodeNetns { get; set; }

    public static (int ExitCode, string Stdout, string Stderr) Run(string plugin, string command, string containerId, string netns, string ifName, string podNamespace, string podName, string config)
    {
        var psi = new ProcessStartInfo(NodeNetns is null ? plugin : "nsenter")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (NodeNetns is not null)
        {
            psi.ArgumentList.Add("--net=" + NodeNetns);
            psi.ArgumentList.Add(plugin);
        }
        psi.Environment["CNI_COMMAND"] = command;
        psi.Environment["CNI_CONTAINERID"] = containerId;
        psi.Environment["CNI_NETNS"] = netns;
        psi.Environment["CNI_IFNAME"] = ifName;
        psi.Environment["CNI_ARGS"] = $"K8S_POD_NAMESPACE={podNamespace};K8S_POD_NAME={podName}";
        psi.Environment["CNI_PATH"] = Path.GetDirectoryName(plugin) ?? "";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start the CNI plugin {plugin}");
        process.StandardInput.Write(config);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }

    /// <summary>"msg: details" of a CNI error JSON, or the raw output.</summary>
    public static string DescribeError(string stdout, string stderr)
    {
        try
        {
            var node = JsonNode.Parse(stdout);
            var msg = node?["msg"]?.GetValue<string>();
            var details = node?["details"]?.GetValue<string>();
            var code = node?["code"]?.GetValue<int>();
            if (msg is not null)
            {
                return $"{msg}{(details is null ? "" : ": " + details)} (CNI error {code})";
            }
        }
        catch (JsonException)
        {
        }
        return (stdout + stderr).Trim();
    }
}
