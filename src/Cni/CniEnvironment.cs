namespace CiliumL7.Cni;

/// <summary>The <c>CNI_*</c> environment of one plugin invocation (CNI spec 1.0).</summary>
internal sealed record CniEnvironment(
    string Command,
    string ContainerId,
    string Netns,
    string IfName,
    IReadOnlyDictionary<string, string> Args,
    string Path)
{
    public string? PodNamespace => Args.GetValueOrDefault("K8S_POD_NAMESPACE");

    public string? PodName => Args.GetValueOrDefault("K8S_POD_NAME");

    /// <summary>Reads and checks the environment for <c>CNI_COMMAND</c>'s needs.</summary>
    public static CniEnvironment Parse(Func<string, string?> getenv)
    {
        var command = getenv("CNI_COMMAND") ?? "";
        if (command is not ("ADD" or "DEL" or "CHECK" or "VERSION"))
        {
            throw new CniException(CniException.InvalidEnvironment,
                command.Length == 0 ? "CNI_COMMAND is not set" : $"CNI_COMMAND \"{command}\" is not one of ADD, DEL, CHECK, VERSION",
                "ciliuml7-cni is a CNI plugin: the container runtime runs it with CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME and the network config on stdin");
        }
        var env = new CniEnvironment(
            command,
            getenv("CNI_CONTAINERID") ?? "",
            getenv("CNI_NETNS") ?? "",
            getenv("CNI_IFNAME") ?? "",
            ParseArgs(getenv("CNI_ARGS")),
            getenv("CNI_PATH") ?? "");
        if (command == "VERSION")
        {
            return env;
        }
        var missing = new List<string>();
        if (env.ContainerId.Length == 0)
        {
            missing.Add("CNI_CONTAINERID");
        }
        if (env.IfName.Length == 0)
        {
            missing.Add("CNI_IFNAME");
        }
        if (env.Netns.Length == 0 && command is "ADD" or "CHECK")
        {
            missing.Add("CNI_NETNS");
        }
        if (missing.Count > 0)
        {
            throw new CniException(CniException.InvalidEnvironment, $"{string.Join(", ", missing)} not set for CNI_COMMAND={command}");
        }
        return env;
    }

    /// <summary>Parses <c>CNI_ARGS</c>: <c>K1=V1;K2=V2</c>.</summary>
    public static Dictionary<string, string> ParseArgs(string? value)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(value))
        {
            return args;
        }
        foreach (var pair in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CniException(CniException.InvalidEnvironment, $"CNI_ARGS entry \"{pair}\" is not KEY=VALUE", "CNI_ARGS is a ;-separated list like K8S_POD_NAMESPACE=default;K8S_POD_NAME=xwing");
            }
            args[pair[..eq]] = pair[(eq + 1)..];
        }
        return args;
    }
}
