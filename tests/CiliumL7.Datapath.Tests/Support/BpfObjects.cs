using System.Diagnostics;
using CiliumL7.TestSupport;

namespace CiliumL7.Datapath.Tests.Support;

/// <summary>The compiled programs (bin/bpf), built with make when missing or stale.</summary>
internal static class BpfObjects
{
    private static readonly Lazy<string> Dir = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => Dir.Value;

    public static string FromContainer => Path.Combine(Directory, "from-container.o");

    private static string Build()
    {
        var psi = new ProcessStartInfo("make", "-s bpf") { WorkingDirectory = RepoPaths.Root, RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000) || p.ExitCode != 0)
        {
            throw new InvalidOperationException("make bpf failed: " + err);
        }
        return RepoPaths.Combine("bin", "bpf");
    }
}
