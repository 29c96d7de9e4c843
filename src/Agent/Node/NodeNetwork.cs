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

    private static readonly string[] Sysctls = ["/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"];

    /// <summary>
    /// Sets up forwarding and the proxy routing; returns what failed (empty when all is well).
    /// The sysctl values found before the first start are saved in <paramref name="stateDir"/>
    /// (<c>sysctl-restore</c>) so that cleanup puts them back.
    /// </summary>
    public static List<string> Setup(string stateDir)
    {
        var problems = new List<string>();
        var restore = Path.Combine(stateDir, SysctlRestoreFile);
        if (!File.Exists(restore))
        {
            var saved = new List<string>();
            foreach (var path in Sysctls)
            {
                if (File.Exists(path))
                {
                    saved.Add(path + "=" + File.ReadAllText(path).Trim());
                }
            }
            File.WriteAllLines(restore, saved);
        }
        foreach (var path in Sysctls)
        {
            TryWrite(path, "1", problems);
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
    public static void Teardown(string stateDir)
    {
        var restore = Path.Combine(stateDir, SysctlRestoreFile);
        if (File.Exists(restore))
        {
            foreach (var line in File.ReadAllLines(restore))
            {
                var eq = line.LastIndexOf('=');
                if (eq > 0 && Array.IndexOf(Sysctls, line[..eq]) >= 0)
                {
                    TryWrite(line[..eq], line[(eq + 1)..], []);
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

    private static void TryWrite(string path, string value, List<string> problems)
    {
        try
        {
            File.WriteAllText(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{path}: {e.Message}");
        }
    }
}
