using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CiliumL7.Client;
using CiliumL7.Client.Models;
using CiliumL7.TestSupport;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>
/// A test "node": its own network namespace running the real
/// <c>bin/ciliuml7-agent</c> (state dir, bpf root, policy dir and pod CIDR unique
/// to the test), pods created through the real CLI + CNI plugin, and a
/// teardown that removes everything it made even when the test failed.
/// </summary>
internal sealed class AgentNode : IAsyncDisposable
{
    private readonly ITestOutputHelper? _output;
    private readonly StringBuilder _agentLog = new();
    private readonly List<TestPod> _pods = [];
    private readonly List<string> _extraNetns = [];
    private readonly List<IDisposable> _disposables = [];
    private Process? _agent;
    private readonly List<string> _agentArgs;
    private bool _addedHostBlackhole;

    private AgentNode(ITestOutputHelper? output, IReadOnlyList<string>? agentArgs, string? podCidr)
    {
        _output = output;
        _agentArgs = [.. agentArgs ?? []];
        Suffix = Cmd.Suffix();
        NodeNetns = "l7n-" + Suffix;
        TempDir = Directory.CreateTempSubdirectory("ciliuml7-agent-test-").FullName;
        StateDir = Path.Combine(TempDir, "state");
        PolicyDir = Path.Combine(TempDir, "policies");
        BpfRoot = "/sys/fs/bpf/ciliuml7-test-" + Suffix;
        PodCidr = podCidr ?? $"10.244.{Random.Shared.Next(1, 250)}.0/24";
        Directory.CreateDirectory(PolicyDir);
        Client = new AgentClient(Socket, TimeSpan.FromSeconds(20));
    }

    public string Suffix { get; }

    public string NodeNetns { get; }

    public string NodeNetnsPath => "/var/run/netns/" + NodeNetns;

    public string TempDir { get; }

    public string StateDir { get; }

    public string PolicyDir { get; }

    public string BpfRoot { get; }

    public string PodCidr { get; }

    public string Socket => Path.Combine(StateDir, "agent.sock");

    public string NodeName => "node-" + Suffix;

    public AgentClient Client { get; }

    /// <summary>Runs <paramref name="args"/> inside the node's network namespace (e.g. curl to a listener the agent bound there).</summary>
    public Cmd.Result InNode(params string[] args) => Cmd.Run("nsenter", ["--net=" + NodeNetnsPath, .. args], TimeSpan.FromSeconds(30));

    public static string Bin(string name) => RepoPaths.Combine("bin", name);

    public int AgentPid => _agent?.Id ?? 0;

    /// <summary><c>net.ipv4.ip_forward</c> of the node netns before the agent first ran.</summary>
    public string InitialIpForward { get; private set; } = "";

    public string ReadIpForward() => Cmd.Check("nsenter", "--net=" + NodeNetnsPath, "cat", "/proc/sys/net/ipv4/ip_forward").Trim();

    public string AgentLog
    {
        get
        {
            lock (_agentLog)
            {
                return _agentLog.ToString();
            }
        }
    }

    /// <summary>Creates the node netns and starts the agent in it (with <paramref name="agentArgs"/> appended to its flags).</summary>
    /// <remarks><paramref name="prepare"/> runs once the node netns exists, before the agent starts (e.g. to wire an underlay); what it returns is appended to the agent's flags.</remarks>
    public static async Task<AgentNode> StartAsync(ITestOutputHelper? output = null, IReadOnlyList<string>? agentArgs = null, string? podCidr = null, Func<AgentNode, IEnumerable<string>>? prepare = null)
    {
        Privileged.Require();
        if (!File.Exists(Bin("ciliuml7-agent")) || !File.Exists(Bin("ciliuml7-cni")) || !File.Exists(Bin("ciliuml7")))
        {
            throw new InvalidOperationException("bin/ciliuml7, bin/ciliuml7-agent and bin/ciliuml7-cni are required: run `make build` first");
        }
        var node = new AgentNode(output, agentArgs, podCidr);
        try
        {
            Cmd.Check("ip", "netns", "add", node.NodeNetns);
            Cmd.Check("ip", "-n", node.NodeNetns, "link", "set", "lo", "up");
            // Nothing addressed to the pod CIDR leaves: unallocated pod IPs are blackholed in the node,
            // and the whole 10.244.0.0/16 in the host namespace (added only if absent).
            Cmd.Check("ip", "-n", node.NodeNetns, "route", "add", "blackhole", node.PodCidr);
            if (!Cmd.Run("ip", "route", "show", "10.244.0.0/16").Stdout.Contains("blackhole", StringComparison.Ordinal))
            {
                node._addedHostBlackhole = Cmd.Run("ip", "route", "add", "blackhole", "10.244.0.0/16").ExitCode == 0;
            }
            // Forwarding off, as on a fresh host: the agent must turn it on, and cleanup must turn it off again.
            Cmd.Check("nsenter", "--net=" + node.NodeNetnsPath, "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward");
            node.InitialIpForward = node.ReadIpForward();
            if (prepare is not null)
            {
                node._agentArgs.AddRange(prepare(node));
            }
            await node.StartAgentAsync().ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts (or restarts) the agent process and waits for its API.</summary>
    public async Task StartAgentAsync()
    {
        var psi = new ProcessStartInfo("nsenter")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--net=" + NodeNetnsPath, Bin("ciliuml7-agent"),
            "--state-dir", StateDir, "--bpf-root", BpfRoot, "--policy-dir", PolicyDir,
            "--pod-cidr", PodCidr, "--node-name", NodeName,
        }.Concat(_agentArgs))
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["DOTNET_gcServer"] = "0";
        _agent = Process.Start(psi)!;
        _agent.OutputDataReceived += (_, e) => AppendLog(e.Data);
        _agent.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        _agent.BeginOutputReadLine();
        _agent.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (DateTime.UtcNow < deadline)
        {
            if (_agent.HasExited)
            {
                throw new InvalidOperationException($"the agent exited with {_agent.ExitCode}:\n{AgentLog}");
            }
            try
            {
                if (await Client.HealthzAsync().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (AgentUnavailableException)
            {
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        throw new TimeoutException("the agent did not answer /v1/healthz within 45s:\n" + AgentLog);
    }

    /// <summary><c>kill -9</c> of the agent; programs and pins stay.</summary>
    public void KillAgent()
    {
        if (_agent is { HasExited: false })
        {
            _agent.Kill();
            _agent.WaitForExit(10_000);
        }
    }

    /// <summary>Runs <c>bin/ciliuml7 ARGS -H unix://socket</c> inside the node netns.</summary>
    public Cmd.Result Cli(params string[] args) =>
        Cmd.Run("nsenter", ["--net=" + NodeNetnsPath, Bin("ciliuml7"), "-H", "unix://" + Socket, .. args], TimeSpan.FromSeconds(60));

    /// <summary>Creates a pod through <c>ciliuml7 endpoint create</c> (which runs the CNI plugin).</summary>
    public TestPod CreatePod(string name, string labels, string ns = "default")
    {
        var netns = $"l7p-{Suffix}-{name}";
        _extraNetns.Add(netns);
        var r = Cli("endpoint", "create", "--netns", netns, "--name", name, "--namespace", ns, "--labels", labels, "-o", "json");
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"endpoint create {name} failed ({r.ExitCode}):\n{r.All}\nagent log:\n{AgentLog}");
        }
        var endpoint = JsonSerializer.Deserialize(r.Stdout, ClientJsonContext.Default.EndpointModel)!;
        var pod = new TestPod(name, netns, endpoint);
        _pods.Add(pod);
        return pod;
    }

    /// <summary>
    /// A "world" netns outside the node: a veth from the node netns (192.0.2.1/24 on the node
    /// side, 192.0.2.2/24 in the world), the world routing the pod CIDR back through the node.
    /// Returns it as a pseudo-pod (no endpoint) for curl and <see cref="Serve"/>.
    /// </summary>
    public TestPod CreateWorld()
    {
        var netns = "l7w-" + Suffix;
        _extraNetns.Add(netns);
        Cmd.Check("ip", "netns", "add", netns);
        Cmd.Check("ip", "-n", NodeNetns, "link", "add", "w" + Suffix, "type", "veth", "peer", "name", "eth0", "netns", netns);
        Cmd.Check("ip", "-n", NodeNetns, "addr", "add", "192.0.2.1/24", "dev", "w" + Suffix);
        Cmd.Check("ip", "-n", NodeNetns, "link", "set", "w" + Suffix, "up");
        Cmd.Check("ip", "-n", netns, "link", "set", "lo", "up");
        Cmd.Check("ip", "-n", netns, "addr", "add", "192.0.2.2/24", "dev", "eth0");
        Cmd.Check("ip", "-n", netns, "link", "set", "eth0", "up");
        Cmd.Check("ip", "-n", netns, "route", "add", "10.244.0.0/16", "via", "192.0.2.1");
        var endpoint = new EndpointModel
        {
            Id = 0, Name = "world", Namespace = "", Labels = [], Identity = 2, Ipv4 = "192.0.2.2", Ifindex = 0,
            HostInterface = "w" + Suffix, ContainerId = "", Netns = "/var/run/netns/" + netns, PodInterface = "eth0", Status = "world",
        };
        return new TestPod("world", netns, endpoint);
    }

    /// <summary>A TCP/HTTP server in the pod (see <see cref="PodServer"/>).</summary>
    public PodServer Serve(TestPod pod, int port)
    {
        var server = PodServer.Start(pod.NetnsPath, port);
        _disposables.Add(server);
        return server;
    }

    /// <summary>curl from a pod; returns curl's exit code (0 ok, 28 timeout, 7 refused) and output.</summary>
    public static Cmd.Result Curl(TestPod from, string url, int timeoutSeconds = 3, params string[] extra) =>
        Cmd.Run("nsenter", ["--net=" + from.NetnsPath, "curl", "-s", "--max-time", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra, url], TimeSpan.FromSeconds(timeoutSeconds + 20));

    /// <summary>Writes a policy file into the watched policy directory (atomically: temp + rename).</summary>
    public void WritePolicyFile(string name, string yaml)
    {
        var temp = Path.Combine(PolicyDir, "." + name + ".tmp");
        File.WriteAllText(temp, yaml);
        File.Move(temp, Path.Combine(PolicyDir, name), overwrite: true);
    }

    /// <summary>Polls until <paramref name="condition"/> holds (bounded).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition().ConfigureAwait(false))
            {
                return true;
            }
            await Task.Delay(200).ConfigureAwait(false);
        }
        return await condition().ConfigureAwait(false);
    }

    /// <summary>Runs <c>ciliuml7-agent cleanup</c> with this node's paths (inside the node netns).</summary>
    public Cmd.Result RunCleanup() =>
        Cmd.Run("nsenter", ["--net=" + NodeNetnsPath, Bin("ciliuml7-agent"), "cleanup", "--state-dir", StateDir, "--bpf-root", BpfRoot, "--policy-dir", PolicyDir]);

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _disposables)
        {
            d.Dispose();
        }
        KillAgent();
        if (_output is not null)
        {
            try
            {
                _output.WriteLine("---- agent log ----\n" + AgentLog);
            }
            catch (InvalidOperationException)
            {
            }
        }
        if (File.Exists(NodeNetnsPath))
        {
            RunCleanup();
        }
        foreach (var netns in _extraNetns)
        {
            Cmd.Run("ip", "netns", "del", netns);
        }
        Cmd.Run("ip", "netns", "del", NodeNetns);
        if (Directory.Exists(BpfRoot))
        {
            try
            {
                Directory.Delete(BpfRoot, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        if (_addedHostBlackhole)
        {
            Cmd.Run("ip", "route", "del", "blackhole", "10.244.0.0/16");
        }
        try
        {
            Directory.Delete(TempDir, recursive: true);
        }
        catch (IOException)
        {
        }
        Client.Dispose();
        _agent?.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_agentLog)
        {
            _agentLog.AppendLine(line);
        }
    }
}
