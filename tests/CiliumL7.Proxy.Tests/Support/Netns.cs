using System.Diagnostics;

namespace CiliumL7.Proxy.Tests.Support;

/// <summary>Creates and always removes the network namespaces of one privileged test (unique names).</summary>
public sealed class Netns : IDisposable
{
    private readonly List<string> _namespaces = [];

    public string Suffix { get; } = Guid.NewGuid().ToString("N")[..6];

    public string Add(string role)
    {
        var name = $"l7p-{role}-{Suffix}";
        Run("ip", "netns", "add", name);
        _namespaces.Add(name);
        In(name, "ip", "link", "set", "lo", "up");
        return name;
    }

    public static string PathOf(string name) => "/var/run/netns/" + name;

    /// <summary>Runs a command in the host namespace; throws with its output when it fails.</summary>
    public static string Run(params string[] args)
    {
        var (code, output) = TryRun(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', args)} failed ({code}): {output}");
        }
        return output;
    }

    public static (int ExitCode, string Output) TryRun(params string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(string.Join(' ', args));
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Runs a command inside namespace <paramref name="name"/> (nsenter keeps /sys/fs/bpf visible).</summary>
    public static string In(string name, params string[] args) => Run(["nsenter", "--net=" + PathOf(name), .. args]);

    public static (int ExitCode, string Output) TryIn(string name, params string[] args) => TryRun(["nsenter", "--net=" + PathOf(name), .. args]);

    public void Dispose()
    {
        foreach (var name in _namespaces)
        {
            TryRun("ip", "netns", "del", name);
        }
    }
}
