namespace CiliumL7.Agent.Configuration;

/// <summary>
/// <c>--config-dir DIR</c>: flags kept as files, one per flag, the way a Kubernetes
/// ConfigMap is mounted — the file name is the flag without its dashes, the content
/// its value. Hidden entries (a ConfigMap mount's <c>..data</c> links) are skipped.
/// </summary>
internal static class ConfigDirectory
{
    /// <summary>Largest value a file may hold; a flag value is one line, never a document.</summary>
    public const int MaxValueBytes = 64 * 1024;

    /// <summary>The last <c>--config-dir</c> of the command line, or null.</summary>
    public static string? Find(IReadOnlyList<string> args)
    {
        string? dir = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i].StartsWith("--config-dir=", StringComparison.Ordinal))
            {
                dir = args[i]["--config-dir=".Length..];
            }
            else if (args[i] == "--config-dir")
            {
                dir = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException("--config-dir needs a value");
            }
        }
        return dir;
    }

    /// <summary>The directory's flags as <c>--name=value</c>, in file-name order.</summary>
    public static IReadOnlyList<string> ReadFlags(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new ArgumentException($"--config-dir \"{dir}\": no such directory; mount the agent's ConfigMap there or drop the flag");
        }
        var flags = new List<string>();
        foreach (var path in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                continue;
            }
            if (name is "config-dir" || name.StartsWith('-'))
            {
                throw new ArgumentException($"--config-dir \"{dir}\": file \"{name}\" is not a flag name; name each file after a flag without its leading dashes (e.g. pod-cidr)");
            }
            var info = new FileInfo(path);
            if (info.Length > MaxValueBytes)
            {
                throw new ArgumentException($"--config-dir \"{dir}\": file \"{name}\" holds {info.Length} bytes; a flag value is at most {MaxValueBytes} bytes");
            }
            flags.Add($"--{name}={File.ReadAllText(path).Trim()}");
        }
        return flags;
    }

    /// <summary>The flag an error message starts with (<c>--pod-cidr "x" is …</c> → <c>pod-cidr</c>), or null.</summary>
    public static string? FlagOf(string message)
    {
        if (!message.StartsWith("--", StringComparison.Ordinal))
        {
            return null;
        }
        var end = message.IndexOf(' ', StringComparison.Ordinal);
        return end > 2 ? message[2..end] : null;
    }
}
