using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CiliumL7.Proxy.Tests.Dns;

/// <summary>
/// A real dnsmasq on 127.0.0.1 (its own free port, no config file, no upstreams, every query
/// logged): the names the tests resolve, a CNAME, AAAA, and a TXT too big for 512-byte UDP.
/// Killed by PID on dispose.
/// </summary>
internal sealed class Dnsmasq : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private Dnsmasq(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Everything dnsmasq logged (one "query[A] name from …" line per query it received).</summary>
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

    /// <summary>Whether dnsmasq was asked <paramref name="name"/> (from its query log, which it writes a moment after the answer).</summary>
    public bool Saw(string name)
    {
        SpinWait.SpinUntil(() => Log.Contains("] " + name + " from", StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(1));
        return Log.Contains("] " + name + " from", StringComparison.OrdinalIgnoreCase);
    }

    public static Dnsmasq Start()
    {
        var binary = File.Exists("/usr/sbin/dnsmasq") ? "/usr/sbin/dnsmasq" : "dnsmasq";
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreeUdpAndTcpPort();
            var psi = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[]
            {
                "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--port=" + port, "--listen-address=127.0.0.1",
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--log-queries", "--log-facility=-", "--cache-size=0",
                "--address=/empire.test/198.51.100.10", "--host-record=api.empire.test,198.51.100.20,2001:db8::20",
                "--cname=www.empire.test,api.empire.test", "--address=/deep.test/198.51.100.11", "--address=/exact.test/198.51.100.12",
                "--address=/cilium.io/198.51.100.13", "--address=/sub-cilium.io/198.51.100.14",
                "--txt-record=big.empire.test," + new string('a', 250) + "," + new string('b', 250) + "," + new string('c', 250),
            })
            {
                psi.ArgumentList.Add(a);
            }
            if (Environment.UserName == "root")
            {
                psi.ArgumentList.Add("--user=root");
            }
            var process = Process.Start(psi)!;
            var dnsmasq = new Dnsmasq(process, new IPEndPoint(IPAddress.Loopback, port));
            process.ErrorDataReceived += (_, e) => dnsmasq.Append(e.Data);
            process.OutputDataReceived += (_, e) => dnsmasq.Append(e.Data);
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            if (dnsmasq.WaitReady())
            {
                return dnsmasq;
            }
            dnsmasq.Dispose();
        }
        throw new InvalidOperationException("dnsmasq did not start (is dnsmasq-base installed? scripts/bootstrap.sh installs it)");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private bool WaitReady()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var tcp = new TcpClient();
                tcp.Connect(EndPoint);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        return false;
    }

    private static int FreeUdpAndTcpPort()
    {
        for (var i = 0; i < 50; i++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free port on 127.0.0.1");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
