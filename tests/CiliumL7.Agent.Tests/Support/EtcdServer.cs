using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CiliumL7.Agent.KvStore.Etcd;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>
/// A real etcd (Debian's <c>/usr/bin/etcd</c>, v3 API) for one test: its data dir
/// under a temp dir, client and peer URLs on 127.0.0.1 with free ports, or on an
/// address inside a network namespace the test made. Stop/Start keep the data
/// (an outage); dispose kills it by PID and deletes the data dir.
/// </summary>
internal sealed class EtcdServer : IDisposable
{
    private readonly string _dir;
    private readonly string? _netns;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private EtcdServer(string? netns, IPAddress address, int clientPort, int peerPort)
    {
        _netns = netns;
        _dir = Directory.CreateTempSubdirectory("ciliuml7-etcd-test-").FullName;
        ClientUrl = new Uri($"http://{address}:{clientPort}");
        PeerUrl = $"http://{address}:{peerPort}";
    }

    public Uri ClientUrl { get; }

    public string Address => ClientUrl.ToString().TrimEnd('/');

    private string PeerUrl { get; }

    public int Pid => _process?.Id ?? 0;

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

    /// <summary>etcd on 127.0.0.1 (free ports), reachable from the test process.</summary>
    public static async Task<EtcdServer> StartLocalAsync()
    {
        var server = new EtcdServer(null, IPAddress.Loopback, FreePort(), FreePort());
        await server.StartAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>etcd inside <paramref name="netns"/> on <paramref name="address"/> (the netns is private: fixed ports).</summary>
    public static async Task<EtcdServer> StartInNetnsAsync(string netns, IPAddress address)
    {
        var server = new EtcdServer(netns, address, 2379, 2380);
        await server.StartAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Starts (or restarts, same data) the member and waits until it answers.</summary>
    public async Task StartAsync()
    {
        if (!File.Exists("/usr/bin/etcd"))
        {
            throw new InvalidOperationException("/usr/bin/etcd not found: install etcd-server (scripts/bootstrap.sh does)");
        }
        var args = new List<string>
        {
            "/usr/bin/etcd", "--name", "test", "--data-dir", Path.Combine(_dir, "data"),
            "--listen-client-urls", Address, "--advertise-client-urls", Address,
            "--listen-peer-urls", PeerUrl, "--initial-advertise-peer-urls", PeerUrl,
            "--initial-cluster", "test=" + PeerUrl, "--log-level", "warn",
        };
        var psi = new ProcessStartInfo(_netns is null ? args[0] : "nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (_netns is not null)
        {
            psi.ArgumentList.Add("--net=/var/run/netns/" + _netns);
            psi.ArgumentList.Add(args[0]);
        }
        foreach (var a in args.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode}:\n{Log}");
            }
            if (await HealthyAsync().ConfigureAwait(false))
            {
                return;
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        throw new TimeoutException("etcd did not answer within 30s:\n" + Log);
    }

    /// <summary>Kills the member (an outage); its data stays for <see cref="StartAsync"/>.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Runs <c>etcdctl ARGS</c> against this member (inside its netns when it has one).</summary>
    public Cmd.Result Ctl(params string[] args)
    {
        string[] full = ["etcdctl", "--endpoints", Address, .. args];
        return _netns is null
            ? Cmd.Run(full[0], full[1..], env: new Dictionary<string, string> { ["ETCDCTL_API"] = "3" })
            : Cmd.Run("nsenter", ["--net=/var/run/netns/" + _netns, .. full], env: new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> HealthyAsync()
    {
        if (_netns is not null)
        {
            return Ctl("endpoint", "health").ExitCode == 0;
        }
        using var client = new EtcdClient(ClientUrl, TimeSpan.FromSeconds(1));
        try
        {
            await client.StatusAsync().ConfigureAwait(false);
            return true;
        }
        catch (CiliumL7.Agent.KvStore.KvStoreUnavailableException)
        {
            return false;
        }
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

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
