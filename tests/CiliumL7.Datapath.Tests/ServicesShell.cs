using System.Diagnostics;

namespace CiliumL7.Datapath.Tests;

/// <summary>Runs a command with a bounded wait and returns (exit code, stdout, stderr).</summary>
internal static class ServicesShell
{
    public static (int Code, string Out, string Err) Run(string file, params string[] args) => RunWithTimeout(TimeSpan.FromSeconds(30), file, args);

    public static (int Code, string Out, string Err) RunWithTimeout(TimeSpan timeout, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, stdout.Result, "timed out after " + timeout + ": " + stderr.Result);
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Ok(string file, params string[] args)
    {
        var (code, o, e) = Run(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException(file + " " + string.Join(' ', args) + " exited " + code + ": " + e + o);
        }
        return o;
    }
}
