using System.Diagnostics;

namespace CiliumL7.TestSupport;

/// <summary>Runs a program to its end and returns its exit code with stdout and stderr, bounded in time.</summary>
public static class Command
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/> (one command-line string) and extra
    /// environment. On timeout the whole process tree is killed and the code is -1.
    /// </summary>
    public static (int Code, string Output) Run(string file, string args, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, stdout.Result + stderr.Result + "\n(timed out)");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
