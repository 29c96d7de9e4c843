namespace CiliumL7.Cni;

/// <summary>
/// <c>ciliuml7-cni install</c>: what the DaemonSet's init container runs. Copies this
/// binary into the node's CNI bin directory and writes the node's configuration list,
/// each through a temporary file and a rename, so the container runtime never reads a
/// half-written plugin or config. Running it again replaces both.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class CniInstaller
{
    public const string ConfListName = "05-ciliuml7.conflist";

    public const string Usage = """
        usage: ciliuml7-cni install [--bin-dir DIR] [--conf-dir DIR] [--agent-socket PATH] [--mtu N]

          --bin-dir DIR        where the container runtime looks for plugins   default /opt/cni/bin
          --conf-dir DIR       where it reads network configurations           default /etc/cni/net.d
          --agent-socket PATH  the agent's API socket, as the plugin sees it   default /var/run/ciliuml7/agent.sock
          --mtu N              pod interface MTU (0: the plugin's default)     default 0
        """;

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        string binDir = "/opt/cni/bin", confDir = "/etc/cni/net.d", socket = Client.AgentClient.DefaultSocketPath;
        var mtu = 0;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--bin-dir": binDir = Value(); break;
                case "--conf-dir": confDir = Value(); break;
                case "--agent-socket": socket = Value(); break;
                case "--mtu":
                    var v = Value();
                    if (!int.TryParse(v, out mtu) || (mtu != 0 && (mtu < NetworkConfig.MinMtu || mtu > NetworkConfig.MaxMtu)))
                    {
                        stderr.WriteLine($"ciliuml7-cni install: --mtu \"{v}\" is not 0 or an MTU between {NetworkConfig.MinMtu} and {NetworkConfig.MaxMtu}");
                        return 2;
                    }
                    break;
                case "-h" or "--help":
                    stdout.WriteLine(Usage);
                    return 0;
                default:
                    stderr.WriteLine($"ciliuml7-cni install: unknown argument \"{args[i]}\"");
                    stderr.WriteLine(Usage);
                    return 2;
            }
        }
        var self = Environment.ProcessPath;
        if (self is null || !File.Exists(self))
        {
            stderr.WriteLine("ciliuml7-cni install: cannot find this program's own file to copy");
            return 1;
        }
        try
        {
            Directory.CreateDirectory(binDir);
            Directory.CreateDirectory(confDir);
            var plugin = Path.Combine(binDir, "ciliuml7-cni");
            ReplaceAtomically(plugin, tmp => File.Copy(self, tmp, overwrite: true), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            var conf = Path.Combine(confDir, ConfListName);
            ReplaceAtomically(conf, tmp => File.WriteAllText(tmp, ConfList(socket, mtu)), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            stdout.WriteLine($"installed {plugin} and {conf}");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"ciliuml7-cni install: {e.Message} (are {binDir} and {confDir} the node's host paths, mounted writable?)");
            return 1;
        }
    }

    /// <summary>The node's configuration list: one plugin, this one.</summary>
    public static string ConfList(string agentSocket, int mtu)
    {
        var socket = System.Text.Json.JsonEncodedText.Encode(agentSocket);
        var mtuField = mtu > 0 ? $",\n      \"mtu\": {mtu}" : "";
        return $$"""
            {
              "cniVersion": "1.0.0",
              "name": "ciliuml7",
              "plugins": [
                {
                  "type": "ciliuml7-cni",
                  "agent-socket": "{{socket}}"{{mtuField}}
                }
              ]
            }

            """;
    }

    private static void ReplaceAtomically(string path, Action<string> write, UnixFileMode mode)
    {
        var tmp = $"{path}.tmp-{Environment.ProcessId}";
        try
        {
            write(tmp);
            File.SetUnixFileMode(tmp, mode);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
