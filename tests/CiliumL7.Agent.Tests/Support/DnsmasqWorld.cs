using System.Diagnostics;
using System.Text;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>
/// A DNS server outside the cluster: a "world" netns on 198.51.100.0/24 (veth from the node
/// netns, 198.51.100.1 on the node side) running dnsmasq at <see cref="Server"/>, answering
/// the names given. Dispose stops dnsmasq (by its PID) and deletes the netns.
/// </summary>
internal sealed class DnsmasqWorld : IDisposable
{
    /// <summary>The server's address.</summary>
    public const string Server = "198.51.100.53";

    private readonly string _netns;
    private readonly Process _dnsmasq;
    private readonly StringBuilder _log = new();

    private DnsmasqWorld(string netns, Process dnsmasq)
    {
        _netns = netns;
        _dnsmasq = dnsmasq;
        _dnsmasq.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _dnsmasq.BeginErrorReadLine();
    }

    /// <summary>What dnsmasq logged (one line per query it received).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the world of <paramref name="node"/>; <paramref name="addresses"/> are dnsmasq <c>--address</c> values (<c>/name/ip</c>).</summary>
    public static DnsmasqWorld Start(AgentNode node, params string[] addresses)
    {
        var netns = "l7d-" + node.Suffix;
        var link = "d" + node.Suffix;
        Cmd.Check("ip", "netns", "add", netns);
        try
        {
            Cmd.Check("ip", "-n", node.NodeNetns, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", netns);
            Cmd.Check("ip", "-n", node.NodeNetns, "addr", "add", "198.51.100.1/24", "dev", link);
            Cmd.Check("ip", "-n", node.NodeNetns, "link", "set", link, "up");
            Cmd.Check("ip", "-n", netns, "link", "set", "lo", "up");
            Cmd.Check("ip", "-n", netns, "addr", "add", Server + "/24", "dev", "eth0");
            Cmd.Check("ip", "-n", netns, "link", "set", "eth0", "up");
            Cmd.Check("ip", "-n", netns, "route", "add", "10.244.0.0/16", "via", "198.51.100.1");
            var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[]
            {
                "netns", "exec", netns, "/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--user=root",
                "--port=53", "--listen-address=" + Server, "--bind-interfaces", "--no-resolv", "--no-hosts", "--log-queries", "--log-facility=-",
            }.Concat(addresses.Select(a => "--address=" + a)))
            {
                psi.ArgumentList.Add(a);
            }
            return new DnsmasqWorld(netns, Process.Start(psi)!);
        }
        catch
        {
            Cmd.Run("ip", "netns", "del", netns);
            throw;
        }
    }

    /// <summary>dig from <paramref name="pod"/> to the server (one try, 3 s).</summary>
    public static string Dig(TestPod pod, string name, params string[] extra) =>
        Cmd.Run("nsenter", ["--net=" + pod.NetnsPath, "dig", "@" + Server, name, "A", "+tries=1", "+time=3", .. extra], TimeSpan.FromSeconds(20)).All;

    /// <summary>The status dig printed (NOERROR, REFUSED, ...); empty when none.</summary>
    public static string Status(string digOutput)
    {
        var at = digOutput.IndexOf("status: ", StringComparison.Ordinal);
        return at < 0 ? "" : digOutput[(at + 8)..digOutput.IndexOf(',', at)];
    }

    public void Dispose()
    {
        if (!_dnsmasq.HasExited)
        {
            _dnsmasq.Kill();
            _dnsmasq.WaitForExit(5000);
        }
        _dnsmasq.Dispose();
        Cmd.Run("ip", "netns", "del", _netns);
    }
}
