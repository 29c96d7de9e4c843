using System.Diagnostics;
using System.Net;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests.Kafka;

/// <summary>
/// A real Kafka broker the project did not write — librdkafka's mock cluster
/// (rdkafka_mock.h, Debian's librdkafka-dev), compiled from examples/kafka/mock-broker.c — in a
/// "broker pod" network namespace, and a "client pod" namespace joined to it by a veth.
/// <code>
/// client pod                                   broker pod
///  kcat ─► 127.0.0.1:P (the proxy's listener) ─► 10.244.N.2:P socat relay ─► 127.0.0.1:P mock broker
/// </code>
/// The mock binds 127.0.0.1 and advertises 127.0.0.1:P in Metadata, so every
/// broker connection a client makes after bootstrap goes to 127.0.0.1:P again:
/// in the client pod that address is the proxy (never the broker directly), and
/// the relay (socat, forking one TCP connection per accepted one, bytes unchanged)
/// only makes the broker's loopback listener reachable on the pod's address.
/// Everything is removed on dispose (processes by PID, namespaces).
/// </summary>
internal sealed class KafkaBrokerPod : IDisposable
{
    private readonly Netns _netns = new();
    private readonly List<Process> _processes = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("cl7-kafka-").FullName;

    public KafkaBrokerPod(params string[] topics)
    {
        try
        {
            ClientNs = _netns.Add("kc");
            BrokerNs = _netns.Add("kb");
            var subnet = Random.Shared.Next(1, 250);
            var clientLink = "kc" + _netns.Suffix;
            var brokerLink = "kb" + _netns.Suffix;
            Netns.Run("ip", "link", "add", clientLink, "netns", ClientNs, "type", "veth", "peer", "name", brokerLink, "netns", BrokerNs);
            Netns.In(ClientNs, "ip", "addr", "add", $"10.244.{subnet}.1/30", "dev", clientLink);
            Netns.In(BrokerNs, "ip", "addr", "add", $"10.244.{subnet}.2/30", "dev", brokerLink);
            Netns.In(ClientNs, "ip", "link", "set", clientLink, "up");
            Netns.In(BrokerNs, "ip", "link", "set", brokerLink, "up");

            var binary = Path.Combine(_dir, "mock-broker");
            Netns.Run("clang", "-O1", "-o", binary, Path.Combine(AppContext.BaseDirectory, "Kafka", "mock-broker.c"), "-lrdkafka", "-lpthread");
            var broker = Start(["nsenter", "--net=" + Netns.PathOf(BrokerNs), binary, .. topics]);
            var line = broker.StandardOutput.ReadLine() ?? throw new InvalidOperationException("mock broker printed no address: " + broker.StandardError.ReadToEnd());
            Port = (ushort)IPEndPoint.Parse(line.Trim()).Port;
            Relay = new IPEndPoint(IPAddress.Parse($"10.244.{subnet}.2"), Port);
            Start(["nsenter", "--net=" + Netns.PathOf(BrokerNs), "socat", $"TCP-LISTEN:{Port},bind={Relay.Address},reuseaddr,fork", $"TCP:127.0.0.1:{Port}"]);
            WaitForRelay();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string ClientNs { get; }

    public string BrokerNs { get; }

    /// <summary>The port the broker listens on and advertises (the proxy listens on it in the client pod).</summary>
    public ushort Port { get; }

    /// <summary>The relay in the broker pod: the proxy's upstream.</summary>
    public IPEndPoint Relay { get; }

    /// <summary>Runs kcat in the client pod against the advertised address; returns exit code and all output.</summary>
    public (int ExitCode, string Output) Kcat(params string[] args) =>
        Netns.TryIn(ClientNs, ["kcat", "-b", $"127.0.0.1:{Port}", "-m", "10", "-X", "topic.metadata.refresh.interval.ms=1000", .. args]);

    /// <summary>Writes <paramref name="lines"/> to a file for <c>kcat -P -l</c>.</summary>
    public string MessageFile(params string[] lines)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        File.WriteAllLines(path, lines);
        return path;
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    // By PID: the mock broker and the relay hold no state outside the namespaces removed below.
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
        _netns.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private Process Start(string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        _processes.Add(process);
        return process;
    }

    private void WaitForRelay()
    {
        for (var i = 0; i < 100; i++)
        {
            var (code, _) = Netns.TryIn(BrokerNs, "ss", "-ltnH", $"sport = :{Port}", "src", Relay.Address.ToString());
            var (_, listing) = Netns.TryIn(BrokerNs, "ss", "-ltnH", $"sport = :{Port}");
            if (code == 0 && listing.Contains(Relay.Address.ToString(), StringComparison.Ordinal))
            {
                return;
            }
            Thread.Sleep(50);
        }
        throw new InvalidOperationException($"relay {Relay} did not start listening");
    }
}
