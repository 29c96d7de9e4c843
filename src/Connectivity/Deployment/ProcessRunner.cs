using System.Diagnostics;

namespace CiliumL7.Connectivity.Deployment;

/// <summary>Runs a command to completion (bounded), capturing its output; a cancelled run kills the process.</summary>
internal static class ProcessRunner
{
    /// <summary>The outcome of a command.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), CancellationToken.None).ConfigureAwait(false);
            }
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the command exited without reading its input: its exit code says what happened
        }
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            return new Result(-1, await stdout.ConfigureAwait(false), $"{file} did not finish within {timeout.TotalSeconds:0}s");
        }
        return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs and throws with the command and its stderr when it fails.</summary>
    public static async Task<string> CheckAsync(string file, IEnumerable<string> args, CancellationToken ct)
    {
        var list = args.ToList();
        var r = await RunAsync(file, list, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{file} {string.Join(' ', list)}` failed ({r.ExitCode}): {r.Stderr.Trim()}{r.Stdout.Trim()}");
        }
        return r.Stdout;
    }
}
