using System.Diagnostics;
using System.Text.Json;
using CiliumL7.Client;
using CiliumL7.Client.Models;
using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Deployment;

/// <summary>
/// What a run deploys and removes: four pods through the agent and the CNI plugin
/// (<c>ciliuml7 endpoint create</c>), an echo server in each, the echo service, the world host
/// with its DNS server (dnsmasq), and a Kafka broker in the <c>kafka</c> pod (see <see cref="KafkaBroker"/>).
/// Everything made is recorded as it is made; <see cref="DisposeAsync"/> removes exactly that,
/// also after a failure or a cancellation.
/// </summary>
internal sealed class TestDeployment : IAsyncDisposable
{
    public const string EchoServiceName = "echo-same-node";

    private static readonly (string Name, string Labels, Peer Peer)[] PodSpecs =
    [
        ("client", "kind=client,name=client", Peer.Client),
        ("client2", "kind=client,name=client2,other=client", Peer.Client2),
        ("echo-same-node", "kind=echo,name=echo-same-node", Peer.Echo),
        ("kafka", "kind=kafka,name=kafka", Peer.Kafka),
    ];

    private readonly ConnectivityOptions _options;
    private readonly Action<string> _log;
    private readonly Dictionary<Peer, TestPod> _pods = [];
    private readonly List<Process> _servers = [];
    private readonly List<(string Name, string Netns, string Socket, string? NodeNetns)> _attempted = [];
    private readonly string _id = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..6].ToLowerInvariant();
    private bool _serviceCreated;
    private bool _worldCreated;
    private string? _kafkaBootstrap;
    private string? _kafkaProblem;

    public TestDeployment(ConnectivityOptions options, Action<string> log)
    {
        _options = options;
        _log = log;
    }

    public string WorldNetns => $"cl7ct-{_id}-world";

    public string WorldInterface => "cl7w" + _id;

    public string? ServiceVip { get; private set; }

    public TestPod Pod(Peer peer) => _pods[peer];

    /// <summary>Why there is no echo pod on another node (null when there is one).</summary>
    public string? OtherNodeProblem { get; private set; } = "not deployed";

    /// <summary>The node the other-node echo pod runs on.</summary>
    public string? OtherNode { get; private set; }

    /// <summary>The Kafka broker's bootstrap address (KAFKA_IP:9092); throws, naming why, when the broker could not start.</summary>
    public string KafkaBootstrap => _kafkaBootstrap
        ?? throw new InvalidOperationException("no Kafka broker: " + (_kafkaProblem ?? "not deployed"));

    /// <summary>The address curl connects to for <paramref name="peer"/>.</summary>
    public string Address(Peer peer) => peer switch
    {
        Peer.Client or Peer.Client2 or Peer.Echo or Peer.Kafka or Peer.EchoOtherNode => _pods.TryGetValue(peer, out var pod) ? pod.Ip
            : throw new InvalidOperationException($"no {peer} pod: {OtherNodeProblem}"),
        Peer.WorldDns => WorldHost.DnsIp,
        Peer.EchoService => ServiceVip ?? throw new InvalidOperationException("the echo service has no VIP"),
        Peer.World => WorldHost.Ip,
        Peer.World2 => WorldHost.Ip2,
        Peer.Host => throw new InvalidOperationException("the host is not a destination of any test"),
        _ => throw new ArgumentOutOfRangeException(nameof(peer), peer, "unknown peer"),
    };

    /// <summary>The network namespace curl runs in for <paramref name="peer"/> (null: the node itself).</summary>
    public string? Netns(Peer peer) => peer switch
    {
        Peer.Client or Peer.Client2 or Peer.Echo or Peer.Kafka or Peer.EchoOtherNode => _pods[peer].Netns,
        Peer.World or Peer.World2 or Peer.WorldDns => WorldNetns,
        Peer.Host => null,
        Peer.EchoService => throw new InvalidOperationException("a service does not run commands"),
        _ => throw new ArgumentOutOfRangeException(nameof(peer), peer, "unknown peer"),
    };

    public async Task DeployAsync(CancellationToken ct)
    {
        // :: Step 1: leftovers of an interrupted earlier run in the test namespace go first.
        await RemoveLeftoversAsync(ct).ConfigureAwait(false);

        // :: Step 2: the pods, through the agent and the CNI plugin, each with an echo server.
        foreach (var (name, labels, peer) in PodSpecs)
        {
            var netns = $"cl7ct-{_id}-{name}";
            _attempted.Add((name, netns, _options.AgentSocket, null));
            _log($"✨ Creating pod {_options.TestNamespace}/{name} ({labels}) in netns {netns}");
            var json = await Cli(["endpoint", "create", "--netns", netns, "--name", name, "--namespace", _options.TestNamespace, "--labels", labels, "-o", "json"], ct).ConfigureAwait(false);
            var endpoint = JsonSerializer.Deserialize(json, ClientJsonContext.Default.EndpointModel)
                ?? throw new InvalidOperationException($"endpoint create {name}: empty answer");
            _pods[peer] = new TestPod(name, labels, netns, endpoint.Ipv4 ?? throw new InvalidOperationException($"pod {name} got no IPv4 address"));
            StartEchoServer(netns, name);
        }

        // :: Step 2b: in a cluster, an echo pod on another node, through that node's agent.
        await DeployOtherNodeAsync(ct).ConfigureAwait(false);

        // :: Step 3: the service in front of the echo pod.
        _log($"✨ Creating service {_options.TestNamespace}/{EchoServiceName} on port {TestPorts.Http}");
        _serviceCreated = true;
        var service = await Cli(["service", "create", EchoServiceName, "--namespace", _options.TestNamespace, "--port", TestPorts.Http.ToString(System.Globalization.CultureInfo.InvariantCulture), "--selector", "kind=echo", "-o", "json"], ct).ConfigureAwait(false);
        using (var doc = JsonDocument.Parse(service))
        {
            ServiceVip = doc.RootElement.GetProperty("vip").GetString();
        }

        // :: Step 4: the world host, in its own namespace, with an echo server.
        _log($"✨ Creating world host {WorldHost.Ip}, {WorldHost.Ip2} in netns {WorldNetns}");
        _worldCreated = true;
        await WorldHost.CreateAsync(WorldNetns, WorldInterface, ct).ConfigureAwait(false);
        StartEchoServer(WorldNetns, "world");
        _log($"✨ Starting DNS server {WorldHost.DnsIp} (dnsmasq: {WorldHost.Name}, {WorldHost.Name2})");
        Start("ip", WorldHost.DnsServerArgs(WorldNetns), "the DNS server (dnsmasq)");

        // :: Step 4b: the Kafka broker in the kafka pod, relayed to the client pods.
        await StartKafkaAsync(ct).ConfigureAwait(false);

        // :: Step 5: wait (bounded) until every server answers, before any policy exists.
        _log("⌛ Waiting for the echo servers");
        foreach (var peer in new[] { Peer.Echo, Peer.Client, Peer.Client2, Peer.World })
        {
            var from = peer == Peer.Client ? Peer.Client2 : Peer.Client;
            await WaitForAsync(from, Address(peer), ct).ConfigureAwait(false);
        }
        await WaitForAsync(Peer.Client, ServiceVip!, ct).ConfigureAwait(false);
        if (OtherNode is not null)
        {
            await WaitForAsync(Peer.Client, Address(Peer.EchoOtherNode), ct).ConfigureAwait(false);
        }
        await WaitForDnsAsync(ct).ConfigureAwait(false);
        if (_kafkaBootstrap is not null)
        {
            await WaitForKafkaAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The agent's cluster (its kvstore's node list): the first other node whose agent socket this
    /// host can reach gets an echo pod, made through that agent as <c>endpoint create</c> does.
    /// A standalone node, or one whose peers are elsewhere, leaves <see cref="OtherNodeProblem"/> set.
    /// </summary>
    private async Task DeployOtherNodeAsync(CancellationToken ct)
    {
        using var client = new AgentClient(_options.AgentSocket);
        var nodes = await client.ListNodesAsync(ct).ConfigureAwait(false);
        var others = nodes.Where(n => !n.Local).ToList();
        var other = others.FirstOrDefault(n => n.AgentSocket is { } s && File.Exists(s));
        if (other is null)
        {
            OtherNodeProblem = others.Count == 0
                ? "the agent's cluster has one node (single node)"
                : $"no other node's agent is reachable from here ({string.Join(", ", others.Select(n => $"{n.Name}: {n.AgentSocket ?? "no socket"}"))})";
            return;
        }
        var name = "echo-other-node";
        var labels = "kind=echo,name=echo-other-node";
        var netns = $"cl7ct-{_id}-{name}";
        // The CNI plugin wires a pod in its node's network namespace: the other agent's own (by its PID;
        // a node whose socket this host reaches runs on this host).
        using var otherClient = new AgentClient(other.AgentSocket!);
        var otherStatus = await otherClient.GetStatusAsync(ct).ConfigureAwait(false);
        var nodeNetns = $"/proc/{otherStatus.Agent.Pid}/ns/net";
        // A pod left there by an interrupted earlier run goes first.
        await ProcessRunner.RunAsync("nsenter", ["--net=" + nodeNetns, _options.CliPath, "-H", "unix://" + other.AgentSocket, "endpoint", "delete", name, "--namespace", _options.TestNamespace], TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        _attempted.Add((name, netns, other.AgentSocket!, nodeNetns));
        _log($"✨ Creating pod {_options.TestNamespace}/{name} ({labels}) on node {other.Name} in netns {netns}");
        var json = await ProcessRunner.CheckAsync("nsenter", ["--net=" + nodeNetns, _options.CliPath, "-H", "unix://" + other.AgentSocket, "endpoint", "create", "--netns", netns, "--name", name,
            "--namespace", _options.TestNamespace, "--labels", labels, "-o", "json"], ct).ConfigureAwait(false);
        var endpoint = JsonSerializer.Deserialize(json, ClientJsonContext.Default.EndpointModel)
            ?? throw new InvalidOperationException($"endpoint create {name} on {other.Name}: empty answer");
        _pods[Peer.EchoOtherNode] = new TestPod(name, labels, netns, endpoint.Ipv4 ?? throw new InvalidOperationException($"pod {name} got no IPv4 address"));
        StartEchoServer(netns, name);
        OtherNode = other.Name;
        OtherNodeProblem = null;
    }

    /// <summary>
    /// The mock broker and its relays. When the broker binary is missing the run goes on: the Kafka
    /// tests then fail naming why (<see cref="KafkaBootstrap"/>).
    /// </summary>
    private async Task StartKafkaAsync(CancellationToken ct)
    {
        var mock = _options.KafkaMockPath ?? KafkaBroker.MockPath(_options.CliPath);
        if (!File.Exists(mock))
        {
            _kafkaProblem = $"{mock} is missing (`make build` builds it from examples/kafka/mock-broker.c; needs librdkafka-dev)";
            _log("⚠️  No Kafka broker: " + _kafkaProblem);
            return;
        }
        var broker = _pods[Peer.Kafka];
        _log($"✨ Starting Kafka broker {broker.Ip}:{TestPorts.Kafka} in pod {_options.TestNamespace}/{broker.Name} (librdkafka mock cluster; topics {string.Join(", ", KafkaBroker.Topics)})");
        var ready = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Start("ip", KafkaBroker.MockArgs(broker.Netns, mock), "the Kafka mock broker", line => ready.TrySetResult(line));
        string? first;
        try
        {
            first = await ready.Task.WaitAsync(TimeSpan.FromSeconds(20), ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"the Kafka mock broker ({mock}) printed no address within 20s");
        }
        var mockPort = KafkaBroker.ParseMockPort(first)
            ?? throw new InvalidOperationException($"the Kafka mock broker ({mock}) printed \"{first}\", not 127.0.0.1:PORT");
        Start("ip", KafkaBroker.BrokerRelayArgs(broker.Netns, broker.Ip, TestPorts.Kafka, mockPort), "the Kafka relay (socat) in the kafka pod");
        foreach (var peer in new[] { Peer.Client, Peer.Client2 })
        {
            Start("ip", KafkaBroker.ClientRelayArgs(_pods[peer].Netns, broker.Ip, TestPorts.Kafka, mockPort), $"the Kafka relay (socat) in pod {_pods[peer].Name}");
        }
        _kafkaBootstrap = $"{broker.Ip}:{TestPorts.Kafka}";
    }

    private async Task WaitForDnsAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var r = await ProcessRunner.RunAsync("ip", ["netns", "exec", Netns(Peer.Client)!, "dig", "@" + WorldHost.DnsIp, WorldHost.Name, "A", "+tries=1", "+time=1"], TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            if (r.ExitCode == 0 && r.Stdout.Contains("status: NOERROR", StringComparison.Ordinal))
            {
                return;
            }
            last = (r.Stdout + r.Stderr).Trim();
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
        throw new InvalidOperationException($"the DNS server {WorldHost.DnsIp} did not answer {WorldHost.Name} from pod client within 20s: {last}");
    }

    private async Task WaitForKafkaAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var ok = true;
            foreach (var peer in new[] { Peer.Client, Peer.Client2 })
            {
                var r = await ProcessRunner.RunAsync("ip", ["netns", "exec", Netns(peer)!, "kcat", "-b", _kafkaBootstrap!, "-m", "3", "-L", "-t", KafkaBroker.Topics[0]], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                if (r.ExitCode != 0 || !r.Stdout.Contains("topic \"" + KafkaBroker.Topics[0] + "\"", StringComparison.Ordinal))
                {
                    ok = false;
                    last = (r.Stdout + r.Stderr).Trim();
                    break;
                }
            }
            if (ok)
            {
                return;
            }
            await Task.Delay(200, ct).ConfigureAwait(false);
        }
        throw new InvalidOperationException($"the Kafka broker {_kafkaBootstrap} did not answer kcat -L from the client pods within 30s: {last}");
    }

    /// <summary>
    /// Forgets what the agent learned from the run's DNS answers (only names under the test domain), so that
    /// no test, and no later run, finds a test name's address already allowed by toFQDNs.
    /// </summary>
    public static async Task ForgetTestNamesAsync(AgentClient agent, Action<string> log)
    {
        try
        {
            await agent.CleanFqdnCacheAsync(null, "*." + WorldHost.Domain, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AgentException or AgentUnavailableException or AgentTimeoutException or HttpRequestException)
        {
            log($"⚠️  Could not remove the test names ({WorldHost.Domain}) from the FQDN cache: {e.Message}");
        }
    }

    private async Task WaitForAsync(Peer from, string ip, CancellationToken ct)
    {
        var url = $"http://{ip}:{TestPorts.Http}/healthz";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var r = await ProcessRunner.RunAsync("ip", ["netns", "exec", Netns(from)!, "curl", "-s", "-o", "/dev/null", "--fail", "--max-time", "1", url], TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            if (r.ExitCode == 0)
            {
                return;
            }
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
        throw new InvalidOperationException($"{url} did not answer from pod {Pod(from).Name} within 20s (is the echo server running? is the agent's datapath up?)");
    }

    private void StartEchoServer(string netns, string name) =>
        Start("ip", ["netns", "exec", netns, _options.CliPath, "connectivity", "echo-server", "--listen", TestPorts.Http.ToString(System.Globalization.CultureInfo.InvariantCulture), "--listen", TestPorts.Other.ToString(System.Globalization.CultureInfo.InvariantCulture), "--name", name],
            "the echo server in " + netns);

    /// <summary>Starts a background process of the run (stopped by <see cref="DisposeAsync"/>, by PID, with its children).</summary>
    private void Start(string file, IEnumerable<string> args, string what, Action<string?>? firstLine = null)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + what);
        _servers.Add(process);
        var seen = 0;
        process.OutputDataReceived += (_, e) =>
        {
            if (firstLine is not null && Interlocked.Exchange(ref seen, 1) == 0)
            {
                firstLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Exited += (_, _) => firstLine?.Invoke(null);
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private async Task RemoveLeftoversAsync(CancellationToken ct)
    {
        using var client = new AgentClient(_options.AgentSocket);
        var endpoints = await client.ListEndpointsAsync(ct).ConfigureAwait(false);
        foreach (var e in endpoints.Where(e => e.Namespace == _options.TestNamespace))
        {
            _log($"🔥 Removing pod {e.Namespace}/{e.Name} left by an earlier run");
            await ProcessRunner.RunAsync(_options.CliPath, ["-H", "unix://" + _options.AgentSocket, "endpoint", "delete", e.Name, "--namespace", e.Namespace], TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        }
        await ProcessRunner.RunAsync(_options.CliPath, ["-H", "unix://" + _options.AgentSocket, "service", "delete", EchoServiceName, "--namespace", _options.TestNamespace], TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        await ForgetTestNamesAsync(client, _log).ConfigureAwait(false);
    }

    private Task<string> Cli(string[] args, CancellationToken ct) =>
        ProcessRunner.CheckAsync(_options.CliPath, ["-H", "unix://" + _options.AgentSocket, .. args], ct);

    /// <summary>Removes what was made, in reverse order; never throws (each step is attempted).</summary>
    public async ValueTask DisposeAsync()
    {
        var none = CancellationToken.None;
        foreach (var server in _servers)
        {
            try
            {
                if (!server.HasExited)
                {
                    server.Kill(entireProcessTree: true); // socat forks a child per connection
                }
                await server.WaitForExitAsync(none).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
            }
            server.Dispose();
        }
        if (_worldCreated)
        {
            _log($"🔥 Deleting world host netns {WorldNetns}");
            // Deleting the namespace deletes the veth pair and with it the node's routes to the world.
            await ProcessRunner.RunAsync("ip", ["netns", "del", WorldNetns], TimeSpan.FromSeconds(30), none).ConfigureAwait(false);
            await ProcessRunner.RunAsync("ip", ["link", "del", WorldInterface], TimeSpan.FromSeconds(30), none).ConfigureAwait(false);
        }
        if (_serviceCreated)
        {
            _log($"🔥 Deleting service {_options.TestNamespace}/{EchoServiceName}");
            await ProcessRunner.RunAsync(_options.CliPath, ["-H", "unix://" + _options.AgentSocket, "service", "delete", EchoServiceName, "--namespace", _options.TestNamespace], TimeSpan.FromSeconds(30), none).ConfigureAwait(false);
        }
        foreach (var pod in _attempted)
        {
            _log($"🔥 Deleting pod {_options.TestNamespace}/{pod.Name}");
            string[] delete = [_options.CliPath, "-H", "unix://" + pod.Socket, "endpoint", "delete", pod.Name, "--namespace", _options.TestNamespace];
            var r = pod.NodeNetns is null
                ? await ProcessRunner.RunAsync(delete[0], delete[1..], TimeSpan.FromSeconds(30), none).ConfigureAwait(false)
                : await ProcessRunner.RunAsync("nsenter", ["--net=" + pod.NodeNetns, .. delete], TimeSpan.FromSeconds(30), none).ConfigureAwait(false);
            if (r.ExitCode != 0)
            {
                _log($"⚠️  endpoint delete {pod.Name} failed ({r.ExitCode}): {r.Stderr.Trim()}; removing its netns");
            }
            await ProcessRunner.RunAsync("ip", ["netns", "del", pod.Netns], TimeSpan.FromSeconds(30), none).ConfigureAwait(false);
        }
    }
}
