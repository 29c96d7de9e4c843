using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>
/// <c>bin/ciliuml7 hubble relay</c> on a free 127.0.0.1 port in the host namespace (it reaches the
/// nodes' Hubble over their unix sockets), killed by PID on dispose.
/// </summary>
internal sealed class RelayProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private RelayProcess(Process process, string address)
    {
        _process = process;
        Address = address;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Address { get; }

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

    public static async Task<RelayProcess> StartAsync(IEnumerable<AgentNode> peers, params string[] extra)
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        var psi = new ProcessStartInfo(AgentNode.Bin("ciliuml7")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "hubble", "relay", "--listen-address", "127.0.0.1:" + port })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var peer in peers)
        {
            psi.ArgumentList.Add("--peer-service");
            psi.ArgumentList.Add("unix://" + Path.Combine(peer.StateDir, "hubble.sock"));
        }
        foreach (var a in extra)
        {
            psi.ArgumentList.Add(a);
        }
        var relay = new RelayProcess(Process.Start(psi)!, "127.0.0.1:" + port);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && !relay.Log.Contains("Hubble Relay is serving", StringComparison.Ordinal))
        {
            if (relay._process.HasExited)
            {
                throw new InvalidOperationException("the relay exited:\n" + relay.Log);
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        return relay;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
