using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Tests.Support;

/// <summary>
/// A network namespace the test owns (<c>ip netns add</c>, removed on
/// dispose). Commands run through <c>nsenter --net</c>; in-process work runs
/// on a dedicated thread that setns()es into it (a socket keeps the netns it
/// was created in).
/// </summary>
internal sealed partial class NetNs : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    public NetNs(string prefix)
    {
        Name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        Run("ip", "netns", "add", Name);
        Path = "/var/run/netns/" + Name;
        Exec("ip link set lo up");
    }

    public string Name { get; }

    public string Path { get; }

    /// <summary>Runs a command line (split on spaces) inside the namespace; throws on failure.</summary>
    public string Exec(string commandLine) => Run(["nsenter", "--net=" + Path, .. commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

    /// <summary>Runs <paramref name="work"/> on a fresh thread inside this namespace.</summary>
    public T Invoke<T>(Func<T> work)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
                if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({Path}) failed: errno {Marshal.GetLastPInvokeError()}");
                }
                result = work();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"in netns {Name}: {error.Message}", error);
        }
        return result!;
    }

    /// <summary>The ifindex of a device in this namespace.</summary>
    public int IfIndex(string device) => Invoke(() =>
    {
        int index = (int)IfNameToIndex(device);
        return index > 0 ? index : throw new InvalidOperationException($"no device {device}");
    });

    public static string Run(params string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args.AsSpan(1))
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill();
            throw new TimeoutException(string.Join(' ', args));
        }
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{string.Join(' ', args)}` exited {p.ExitCode}: {stderr.Result}");
        }
        return stdout.Result;
    }

    public void Dispose()
    {
        try
        {
            Run("ip", "netns", "del", Name);
        }
        catch (InvalidOperationException)
        {
            /* already gone */
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint IfNameToIndex(string name);
}
