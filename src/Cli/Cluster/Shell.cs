using System.Diagnostics;

namespace CiliumL7.Cli.Cluster;

/// <summary>Runs a command to completion (bounded), returning its exit code and output.</summary>
internal static class Shell
{
    public static (int Code, string Stdout, string Stderr) Run(params string[] args) => RunWithin(TimeSpan.FromSeconds(60), args);

    public static (int Code, string Stdout, string Stderr) RunWithin(TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {args[0]}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (124, stdout.Result, stderr.Result + $"\n{args[0]} timed out after {timeout.TotalSeconds:0}s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and throws with the command and its error output when it fails.</summary>
    public static string Check(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"`{string.Join(' ', args)}` failed ({code}): {stderr.Trim()}");
        }
        return stdout;
    }
}
