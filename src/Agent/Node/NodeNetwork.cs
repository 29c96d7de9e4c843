namespace CiliumL7.Agent.Node;

/// <summary>
/// Node-netns plumbing the datapath relies on: IP forwarding, and the policy
/// routing that delivers proxy-redirected packets locally (Cilium's convention:
/// <c>ip rule fwmark 0x200/0xf00 lookup 2004</c>, <c>local 0.0.0.0/0 dev lo</c>
/// in table 2004, the same for IPv6). Done with iproute2's <c>ip</c>: routes and
/// rules are not on the packet path, and <c>ip</c> is idempotent and readable in
/// logs; programs and maps go through libbpf only.
/// </summary>
internal static class NodeNetwork
{
    public const string ProxyMark = "0x200/0xf00";
    public const string ProxyTable = "2004";

    /// <summary>The forwarding sysctls the datapath needs, by name (<c>net.ipv4.ip_forward</c> is <c>sys/net/ipv4/ip_forward</c> under procfs).</summary>
    private static readonly string[] Sysctls = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"];

    /// <summary>Where sysctl <paramref name="name"/> is written, under the procfs mount <paramref name="procfs"/>.</summary>
    public static string SysctlPath(string procfs, string name) => Path.Combine(procfs, "sys", name.Replace('.', '/'));

    /// <summary>
    /// Sets up forwarding and the proxy routing; returns what failed (empty when all is well).
    /// Sysctls are written under <paramref name="procfs"/>: a container's own <c>/proc/sys</c>
    /// is read-only unless it is privileged, so the DaemonSet mounts the node's
    /// <c>/proc/sys/net</c> and passes <c>--procfs</c>. The net sysctls act on the writer's
    /// network namespace, i.e. the node's (the agent runs with host networking).
    /// The values found before the first start are saved in <paramref name="stateDir"/>
    /// (<c>sysctl-restore</c>) so that cleanup puts them back.
    /// </summary>
    public static List<string> Setup(string stateDir, string procfs)
    {
        var problems = new List<string>();
        var restore = Path.Combine(stateDir, SysctlRestoreFile);
        if (!File.Exists(restore))
        {
            var saved = new List<string>();
            foreach (var name in Sysctls)
            {
                var path = SysctlPath(procfs, name);
                if (File.Exists(path))
                {
                    saved.Add(name + "=" + File.ReadAllText(path).Trim());
                }
            }
            File.WriteAllLines(restore, saved);
        }
        foreach (var name in Sysctls)
        {
            var path = SysctlPath(procfs, name);
            if (File.Exists(path) && File.ReadAllText(path).Trim() == "1")
            {
                continue; // already on: nothing to write (and nothing that needs write access)
            }
            if (!TryWrite(path, "1", problems))
            {
                problems[^1] += $" — {name} must be 1 for pod traffic to be forwarded: give the agent a writable procfs "
                    + "(mount the node's /proc/sys/net at <dir>/sys/net and pass --procfs <dir>) or set it on the node (sysctl -w " + name + "=1)";
            }
        }
        foreach (var family in new[] { "-4", "-6" })
        {
            var (_, rules, _) = CommandRunner.Run("ip", family, "rule", "show");
            if (!rules.Contains("lookup " + ProxyTable, StringComparison.Ordinal))
            {
                Expect(problems, "ip", family, "rule", "add", "fwmark", ProxyMark, "lookup", ProxyTable, "pref", "9");
            }
            Expect(problems, "ip", family, "route", "replace", "local", family == "-4" ? "0.0.0.0/0" : "::/0", "dev", "lo", "table", ProxyTable);
        }
        return problems;
    }

    /// <summary>The file (in the state dir) holding the sysctl values to restore on cleanup.</summary>
    public const string SysctlRestoreFile = "sysctl-restore";

    /// <summary>Removes the proxy rules and table, and restores the saved sysctls (idempotent).</summary>
    public static void Teardown(string stateDir, string procfs)
    {
        var restore = Path.Combine(stateDir, SysctlRestoreFile);
        if (File.Exists(restore))
        {
            foreach (var line in File.ReadAllLines(restore))
            {
                var eq = line.LastIndexOf('=');
                if (eq <= 0)
                {
                    continue;
                }
                // Older agents saved the absolute /proc path instead of the name.
                var name = line[..eq].StartsWith("/proc/sys/", StringComparison.Ordinal)
                    ? line["/proc/sys/".Length..eq].Replace('/', '.')
                    : line[..eq];
                if (Array.IndexOf(Sysctls, name) >= 0)
                {
                    TryWrite(SysctlPath(procfs, name), line[(eq + 1)..], []);
                }
            }
            File.Delete(restore);
        }
        foreach (var family in new[] { "-4", "-6" })
        {
            for (var i = 0; i < 16; i++)
            {
                if (CommandRunner.Run("ip", family, "rule", "del", "fwmark", ProxyMark, "lookup", ProxyTable).ExitCode != 0)
                {
                    break;
                }
            }
            CommandRunner.Run("ip", family, "route", "flush", "table", ProxyTable);
        }
    }

    private static void Expect(List<string> problems, string file, params string[] args)
    {
        var (code, _, stderr) = CommandRunner.Run(file, args);
        if (code != 0)
        {
            problems.Add($"{file} {string.Join(' ', args)}: {stderr}");
        }
    }

    private static bool TryWrite(string path, string value, List<string> problems)
    {
        try
        {
            File.WriteAllText(path, value);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{path}: {e.Message}");
            return false;
        }
    }
}
