using System.Diagnostics;

namespace CiliumL7.Cli.Cluster;

/// <summary>
/// Processes that outlive the CLI: started in their own session (setsid) with output to a log
/// file, remembered by PID; killed by PID only after checking their command line still names
/// the cluster's directory (a PID the kernel reused for something else is left alone).
/// </summary>
internal static class Daemon
{
    /// <summary>Starts <paramref name="args"/> detached; returns its PID (setsid and nsenter exec, so it is the program's own).</summary>
    public static int Start(IReadOnlyList<string> args, string logPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("setsid \"$@\" >>\"$CL7_DAEMON_LOG\" 2>&1 </dev/null & echo $!");
        psi.ArgumentList.Add("sh");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["CL7_DAEMON_LOG"] = logPath;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        using var sh = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /bin/sh");
        var stdout = sh.StandardOutput.ReadToEnd();
        var stderr = sh.StandardError.ReadToEnd();
        sh.WaitForExit();
        if (sh.ExitCode != 0 || !int.TryParse(stdout.Trim(), out var pid) || pid <= 0)
        {
            throw new InvalidOperationException($"could not start {args[0]}: {stderr.Trim()}");
        }
        return pid;
    }

    /// <summary>True when <paramref name="pid"/> runs and its command line contains <paramref name="marker"/>.</summary>
    public static bool IsRunning(int pid, string marker)
    {
        if (pid <= 0)
        {
            return false;
        }
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && cmdline.Contains(marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; only if it is still ours (see <see cref="IsRunning"/>). True when it is gone.</summary>
    public static bool Stop(int pid, string marker, TimeSpan grace)
    {
        if (!IsRunning(pid, marker))
        {
            return true;
        }
        Signal(pid, "TERM");
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline)
        {
            if (!IsRunning(pid, marker))
            {
                return true;
            }
            Thread.Sleep(100);
        }
        Signal(pid, "KILL");
        for (var i = 0; i < 50 && IsRunning(pid, marker); i++)
        {
            Thread.Sleep(100);
        }
        return !IsRunning(pid, marker);
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardError = true, UseShellExecute = false });
        kill?.WaitForExit();
    }
}
