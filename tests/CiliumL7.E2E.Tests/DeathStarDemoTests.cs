using CiliumL7.TestSupport;
using Xunit.Abstractions;

namespace CiliumL7.E2E.Tests;

/// <summary>
/// Runs <c>scripts/demo.sh</c> (what <c>make demo</c> runs, on the built bin/)
/// with its own state dir, bpf root and policy dir, and asserts the tutorial's
/// outcomes from what it printed, then that nothing was left behind.
/// </summary>
public sealed class DeathStarDemoTests(ITestOutputHelper output)
{
    private static readonly string[] Pods = ["deathstar-6fb5694d48-5hmds", "deathstar-6fb5694d48-fhf65", "tiefighter", "xwing"];

    [SkippableFact]
    public void Demo_FreshHost_EveryTutorialStepMatchesAndNothingIsLeft()
    {
        Privileged.Require();
        Skip.IfNot(File.Exists(RepoPaths.Combine("bin", "ciliuml7-agent")), "bin/ is not built (run make build)");
        foreach (var pod in Pods)
        {
            Assert.False(File.Exists("/var/run/netns/" + pod), $"a netns named {pod} already exists on this host; remove it first");
        }

        var id = Guid.NewGuid().ToString("N")[..8];
        var state = Path.Combine(Path.GetTempPath(), "ciliuml7-e2e-" + id);
        var bpfRoot = "/sys/fs/bpf/ciliuml7-e2e-" + id;
        var rulesBefore = Command.Run("ip", "rule show").Output;

        var (code, text) = Command.Run("bash", RepoPaths.Combine("scripts", "demo.sh"), new Dictionary<string, string>
        {
            ["CILIUML7_STATE_DIR"] = state,
            ["CILIUML7_BPF_ROOT"] = bpfRoot,
        }, TimeSpan.FromMinutes(6));
        output.WriteLine(text);

        Assert.Equal(0, code);
        Assert.Contains("Ship landed", text, StringComparison.Ordinal);
        Assert.Contains("Panic: deathstar exploded", text, StringComparison.Ordinal);
        Assert.Contains("Access denied", text, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT as the tutorial says", text, StringComparison.Ordinal);
        Assert.Contains("http-request DROPPED (HTTP/1.1 PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port)", text, StringComparison.Ordinal);

        // Nothing left behind: namespaces, pins, rules, state.
        foreach (var pod in Pods)
        {
            Assert.False(File.Exists("/var/run/netns/" + pod), $"netns {pod} left behind");
            Assert.False(Directory.Exists("/etc/netns/" + pod), $"/etc/netns/{pod} left behind");
        }
        Assert.False(Directory.Exists(bpfRoot), $"bpffs pins left behind in {bpfRoot}");
        Assert.Equal(rulesBefore, Command.Run("ip", "rule show").Output);
        Assert.DoesNotContain("lxc", Command.Run("ip", "-o link show").Output, StringComparison.Ordinal);
        try
        {
            Directory.Delete(state, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
