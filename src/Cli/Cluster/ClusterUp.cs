using System.Text.RegularExpressions;
using CiliumL7.Client;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;

namespace CiliumL7.Cli.Cluster;

/// <summary>
/// <c>ciliuml7 cluster up</c>, as kind makes a Kubernetes cluster on one host:
/// <code>
///   netns cl7-NAME-underlay: bridge br0 172.31.0.254/16, etcd (client URL http://172.31.0.254:2379)
///   netns cl7-NAME-node&lt;i&gt;: und0 172.31.0.&lt;i&gt;/16 on br0, agent (kvstore mode, pods 10.244.&lt;i&gt;.0/24)
///   host netns: Hubble Relay on 127.0.0.1:4245 (nodes from the agents' Peer service, over their unix sockets)
/// </code>
/// The state file is written after every step; on failure everything made so far is removed.
/// </summary>
internal static partial class ClusterUp
{
    public const int MaxNodes = 200;

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    public static IReadOnlyList<string> Validate(string name, int nodes, string relayAddress, int etcdMembers = 1)
    {
        var errors = new List<string>();
        if (etcdMembers is not (1 or 3 or 5))
        {
            errors.Add($"--etcd-members {etcdMembers}: give 1, 3 or 5 (an odd number keeps a quorum when one member is lost)");
        }
        if (!NamePattern().IsMatch(name))
        {
            errors.Add($"--name \"{name}\": use 1-16 lowercase letters, digits and '-' (it names network namespaces), e.g. ciliuml7");
        }
        if (nodes is < 1 or > MaxNodes)
        {
            errors.Add($"--nodes {nodes}: give 1 to {MaxNodes}");
        }
        if (!System.Net.IPEndPoint.TryParse(relayAddress, out var relay) || relay.Port == 0)
        {
            errors.Add($"--relay-address \"{relayAddress}\": not an address with a port; use e.g. 127.0.0.1:4245");
        }
        return errors;
    }

    public static async Task<int> RunAsync(string name, int nodeCount, string relayAddress, TextWriter output, CancellationToken ct, int etcdMembers = 1)
    {
        if (ClusterState.Load(name) is not null)
        {
            await output.WriteLineAsync($"Error: cluster \"{name}\" exists ({ClusterState.DirectoryOf(name)}); remove it first: ciliuml7 cluster down --name {name}");
            return 1;
        }
        foreach (var tool in new[] { "/usr/bin/etcd", "/usr/bin/nsenter", "/usr/bin/curl" })
        {
            if (!File.Exists(tool) && !File.Exists(tool.Replace("/usr/bin/", "/bin/", StringComparison.Ordinal)))
            {
                await output.WriteLineAsync($"Error: {tool} not found (install it: scripts/bootstrap.sh installs etcd-server, util-linux and curl)");
                return 1;
            }
        }
        var dir = ClusterState.DirectoryOf(name);
        var state = new ClusterState { Name = name, Directory = dir, UnderlayNetns = $"cl7-{name}-underlay", RelayAddress = relayAddress, EtcdMembers = etcdMembers };
        await output.WriteLineAsync($"Creating cluster \"{name}\" ({nodeCount} nodes) ...");
        try
        {
            state.Save();
            await UpAsync(state, nodeCount, output, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or AgentUnavailableException or OperationCanceledException)
        {
            await output.WriteLineAsync($"Error: {e.Message}");
            await output.WriteLineAsync($"Removing what was made (logs kept in {Path.Combine(Path.GetTempPath(), "ciliuml7-cluster-" + name + "-logs")}) ...");
            KeepLogs(state);
            ClusterDown.Run(state, TextWriter.Null);
            return 1;
        }
        await output.WriteLineAsync($"""
            Cluster "{name}" is up. Try:
              ciliuml7 cluster status --name {name}
              ciliuml7 --node {state.Nodes[0].Name} status
              ciliuml7 endpoint create --node {state.Nodes[0].Name} --name tiefighter --labels org=empire,class=tiefighter
              ciliuml7 observe --server {relayAddress}
              ciliuml7 cluster down --name {name}
            """);
        return 0;
    }

    private static async Task UpAsync(ClusterState state, int nodeCount, TextWriter output, CancellationToken ct)
    {
        // :: Step 1: the underlay (a bridge in its own netns) and etcd on it.
        var u = state.UnderlayNetns;
        Shell.Check("ip", "netns", "add", u);
        Shell.Check("ip", "-n", u, "link", "set", "lo", "up");
        Shell.Check("ip", "-n", u, "link", "add", "br0", "type", "bridge");
        Shell.Check("ip", "-n", u, "addr", "add", ClusterState.EtcdIp + "/16", "dev", "br0");
        Shell.Check("ip", "-n", u, "link", "set", "br0", "up");
        var etcdData = Path.Combine(state.Directory, "etcd");
        if (state.EtcdMembers == 1)
        {
            state.EtcdPid = Daemon.Start(
            [
                "nsenter", "--net=/var/run/netns/" + u, "/usr/bin/etcd", "--name", state.Name, "--data-dir", etcdData,
                "--listen-client-urls", state.EtcdAddress, "--advertise-client-urls", state.EtcdAddress,
                "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                "--initial-cluster", state.Name + "=http://127.0.0.1:2380", "--log-level", "warn",
            ], Path.Combine(state.Directory, "etcd.log"));
        }
        else
        {
            // A quorum of members, each on its own underlay address: m1 on 172.31.0.254, m2 on .253, ...
            var peers = Enumerable.Range(0, state.EtcdMembers).Select(i => (Name: $"m{i + 1}", Ip: $"172.31.0.{254 - i}")).ToList();
            var initialCluster = string.Join(',', peers.Select(p => $"{p.Name}=http://{p.Ip}:2380"));
            foreach (var (member, ip) in peers)
            {
                if (ip != ClusterState.EtcdIp)
                {
                    Shell.Check("ip", "-n", u, "addr", "add", ip + "/16", "dev", "br0");
                }
                var pid = Daemon.Start(
                [
                    "nsenter", "--net=/var/run/netns/" + u, "/usr/bin/etcd", "--name", member, "--data-dir", Path.Combine(etcdData, member),
                    "--listen-client-urls", $"http://{ip}:2379", "--advertise-client-urls", $"http://{ip}:2379",
                    "--listen-peer-urls", $"http://{ip}:2380", "--initial-advertise-peer-urls", $"http://{ip}:2380",
                    "--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", state.Name, "--log-level", "warn",
                ], Path.Combine(state.Directory, $"etcd-{member}.log"));
                if (member == "m1")
                {
                    state.EtcdPid = pid;
                }
                else
                {
                    state.EtcdMemberPids.Add(pid);
                }
                state.Save();
            }
        }
        state.Save();
        foreach (var address in state.EtcdAddresses)
        {
            await WaitAsync(TimeSpan.FromSeconds(30), "etcd did not answer on " + address, Path.Combine(state.Directory, state.EtcdMembers == 1 ? "etcd.log" : "etcd-m1.log"), () =>
                Task.FromResult(Shell.RunWithin(TimeSpan.FromSeconds(5), "nsenter", "--net=/var/run/netns/" + u, "curl", "-s", "--max-time", "1", address + "/health").Stdout.Contains("true", StringComparison.Ordinal)), ct).ConfigureAwait(false);
        }
        await output.WriteLineAsync($" ✓ underlay {u} (172.31.0.0/16) with etcd at {string.Join(", ", state.EtcdAddresses)}");

        // :: Step 2: the nodes, each agent in its own netns.
        var agent = Path.Combine(AppContext.BaseDirectory, "ciliuml7-agent");
        for (var i = 1; i <= nodeCount; i++)
        {
            var nodeDir = Path.Combine(state.Directory, "node" + i);
            var node = new ClusterNode
            {
                Name = "node" + i,
                Index = i,
                Netns = $"cl7-{state.Name}-node{i}",
                Ip = "172.31." + (i / 250) + "." + (i % 250),
                PodCidr = $"10.244.{i}.0/24",
                StateDir = Path.Combine(nodeDir, "state"),
                PolicyDir = Path.Combine(nodeDir, "policies"),
                BpfRoot = $"/sys/fs/bpf/ciliuml7-{state.Name}-node{i}",
            };
            state.Nodes.Add(node);
            state.Save();
            Directory.CreateDirectory(node.PolicyDir);
            Shell.Check("ip", "netns", "add", node.Netns);
            Shell.Check("ip", "-n", node.Netns, "link", "set", "lo", "up");
            Shell.Check("ip", "-n", node.Netns, "route", "add", "blackhole", node.PodCidr);
            Shell.Check("ip", "-n", u, "link", "add", "n" + i, "type", "veth", "peer", "name", "und0", "netns", node.Netns);
            Shell.Check("ip", "-n", u, "link", "set", "n" + i, "master", "br0", "up");
            Shell.Check("ip", "-n", node.Netns, "addr", "add", node.Ip + "/16", "dev", "und0");
            Shell.Check("ip", "-n", node.Netns, "link", "set", "und0", "up");
            node.AgentPid = Daemon.Start(
            [
                "nsenter", "--net=" + node.NetnsPath, agent,
                "--state-dir", node.StateDir, "--bpf-root", node.BpfRoot, "--policy-dir", node.PolicyDir,
                "--pod-cidr", node.PodCidr, "--node-name", node.Name,
                "--kvstore", "etcd", "--kvstore-opt", string.Join(',', state.EtcdAddresses.Select(a => "etcd.address=" + a)),
                "--cluster-name", state.Name, "--cluster-id", "1", "--ipv4-node", node.Ip,
            ], node.LogPath, new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" });
            state.Save();
        }
        foreach (var node in state.Nodes)
        {
            using var client = new AgentClient(node.AgentSocket, TimeSpan.FromSeconds(5));
            await WaitAsync(TimeSpan.FromSeconds(90), $"the agent of {node.Name} did not become healthy", node.LogPath, async () =>
            {
                if (!Daemon.IsRunning(node.AgentPid, node.StateDir))
                {
                    throw new InvalidOperationException($"the agent of {node.Name} exited; its log ({node.LogPath}):\n{Tail(node.LogPath)}");
                }
                try
                {
                    return await client.HealthzAsync(ct).ConfigureAwait(false)
                        && (await client.GetStatusAsync(ct).ConfigureAwait(false)).KvStore is { State: "Ok" } kv && kv.Nodes == nodeCount;
                }
                catch (Exception e) when (e is AgentUnavailableException or AgentTimeoutException or HttpRequestException or AgentException)
                {
                    return false;
                }
            }, ct).ConfigureAwait(false);
            await output.WriteLineAsync($" ✓ {node.Name}: {node.Ip}, pods {node.PodCidr}, agent {node.AgentSocket}");
        }

        // :: Step 3: Hubble Relay in the host netns (loopback), reaching the nodes' Hubble over their unix sockets.
        var relayArgs = new List<string> { Environment.ProcessPath ?? Path.Combine(AppContext.BaseDirectory, "ciliuml7"), "hubble", "relay", "--listen-address", state.RelayAddress };
        foreach (var node in state.Nodes)
        {
            relayArgs.Add("--peer-service");
            relayArgs.Add(node.HubbleAddress);
        }
        var relayLog = Path.Combine(state.Directory, "relay.log");
        state.RelayPid = Daemon.Start(relayArgs, relayLog);
        state.Save();
        using var channel = HubbleChannel.Create(state.RelayAddress);
        var relay = new Observer.ObserverClient(channel);
        await WaitAsync(TimeSpan.FromSeconds(30), "Hubble Relay did not see every node on " + state.RelayAddress, relayLog, async () =>
        {
            if (!Daemon.IsRunning(state.RelayPid, state.Directory))
            {
                throw new InvalidOperationException($"Hubble Relay exited; its log ({relayLog}):\n{Tail(relayLog)}");
            }
            try
            {
                var status = await relay.ServerStatusAsync(new ServerStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct).ConfigureAwait(false);
                return status.NumConnectedNodes == (uint)nodeCount;
            }
            catch (Grpc.Core.RpcException)
            {
                return false;
            }
        }, ct).ConfigureAwait(false);
        await output.WriteLineAsync($" ✓ Hubble Relay on {state.RelayAddress} ({nodeCount} nodes connected)");
    }

    private static async Task WaitAsync(TimeSpan within, string what, string log, Func<Task<bool>> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition().ConfigureAwait(false))
            {
                return;
            }
            await Task.Delay(200, ct).ConfigureAwait(false);
        }
        throw new TimeoutException($"{what} within {within.TotalSeconds:0}s; log {log}:\n{Tail(log)}");
    }

    internal static string Tail(string path, int lines = 20)
    {
        try
        {
            return string.Join('\n', File.ReadLines(path).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static void KeepLogs(ClusterState state)
    {
        try
        {
            var keep = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "ciliuml7-cluster-" + state.Name + "-logs")).FullName;
            foreach (var log in Directory.EnumerateFiles(state.Directory, "*.log", SearchOption.AllDirectories))
            {
                File.Copy(log, Path.Combine(keep, Path.GetRelativePath(state.Directory, log).Replace('/', '-')), overwrite: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
