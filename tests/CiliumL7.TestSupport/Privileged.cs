using Xunit;

namespace CiliumL7.TestSupport;

/// <summary>
/// Gate for tests that need root (eBPF, network namespaces). Outside CI a
/// non-root run skips them; under <c>CI=true</c> a missing privilege is a
/// failure, never a skip, because CI always runs as root.
/// </summary>
public static class Privileged
{
    /// <summary>True when the process runs as uid 0.</summary>
    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    /// <summary>True when the CI environment variable says so.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips (developer machine) or fails (CI) unless running as root.</summary>
    public static void Require()
    {
        if (IsRoot)
        {
            return;
        }
        if (IsCi)
        {
            throw new InvalidOperationException("This test needs root (eBPF / network namespaces) and CI=true: refusing to skip.");
        }
        Skip.If(true, "needs root (eBPF / network namespaces); run as root or in CI");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
