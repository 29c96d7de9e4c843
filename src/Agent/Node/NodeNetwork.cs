namespace CiliumL7.Agent.Node;

/// <summary>
/// Node-netns plumbing the datapath relies on: IP forwarding, and the policy
/// routing that delivers proxy-redirected packets locally (FACTS.md §5:
/// <c>ip rule fwmark 0x200/0xf00 lookup 2004</c>, <c>local 0.0.0.0/0 dev lo</c>
/// in table 2004, the same for IPv6). Done with iproute2's <c>ip</c>: routes and
/// rules are not on the packet path, and <c>ip</c> is idempotent and readable in
/// logs; programs and maps go through libbpf only.
/// </summary>
internal static class NodeNetwork
{
    public const string ProxyMark = "0x200/0xf00";
    public const string ProxyTable = "2004";

    /// <summary>Sets up forwarding and the proxy routing; returns what failed (empty when all is well).</summary>
    public static List<string> Setup()
    {
        var problems = new List<string>();
        TryWrite("/proc/sys/net/ipv4/ip_forward", "1", problems);
        TryWrite("/proc/sys/net/ipv6/conf/all/forwarding", "1", problems);
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

    /// <summary>Removes the proxy rules and table (idempotent).</summary>
    public static void Teardown()
    {
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
