using System.Diagnostics;
using System.Text.Json;

namespace CiliumL7.Cni;

/// <summary>
/// iproute2 <c>ip</c>, in the node's network namespace or (through
/// <c>nsenter --net=</c>) in the pod's. Failures become CNI errors naming the command.
/// </summary>
internal static class IpCommand
{
    public static string Run(params string[] args) => Exec(null, args, check: true).Stdout;

    public static string RunInNetns(string netns, params string[] args) => Exec(netns, args, check: true).Stdout;

    public static bool TryRun(params string[] args) => Exec(null, args, check: false).ExitCode == 0;

    /// <summary>ifindex and MAC of a link, from <c>ip -j link show</c>.</summary>
    public static (int Ifindex, string Mac) LinkInfo(string? netns, string name)
    {
        var json = Exec(netns, ["-j", "link", "show", "dev", name], check: true).Stdout;
        using var doc = JsonDocument.Parse(json);
        var link = doc.RootElement[0];
        return (link.GetProperty("ifindex").GetInt32(), link.GetProperty("address").GetString() ?? "");
    }

    public static bool LinkExists(string? netns, string name) => Exec(netns, ["link", "show", "dev", name], check: false).ExitCode == 0;

    /// <summary>The IPv4 addresses of a link.</summary>
    public static List<string> Addresses(string? netns, string name)
    {
        var json = Exec(netns, ["-j", "-4", "addr", "show", "dev", name], check: true).Stdout;
        using var doc = JsonDocument.Parse(json);
        var list = new List<string>();
        foreach (var link in doc.RootElement.EnumerateArray())
        {
            foreach (var addr in link.GetProperty("addr_info").EnumerateArray())
            {
                list.Add(addr.GetProperty("local").GetString() + "/" + addr.GetProperty("prefixlen").GetInt32());
            }
        }
        return list;
    }

    private static (int ExitCode, string Stdout) Exec(string? netns, string[] args, bool check)
    {
        var psi = new ProcessStartInfo(netns is null ? "ip" : "nsenter")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (netns is not null)
        {
            psi.ArgumentList.Add("--net=" + netns);
            psi.ArgumentList.Add("ip");
        }
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        using var process = Process.Start(psi) ?? throw new CniException(CniException.NetlinkError, "cannot start ip (is iproute2 installed?)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd().Trim();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            var where = netns is null ? "" : $" in netns {netns}";
            throw new CniException(CniException.NetlinkError, $"ip {string.Join(' ', args)}{where} failed: {stderr}");
        }
        return (process.ExitCode, stdout.Result);
    }
}
