using CiliumL7.Client;

namespace CiliumL7.Cli.Cluster;

/// <summary>
/// <c>ciliuml7 cluster down</c>: removes everything <see cref="ClusterUp"/> made, in reverse, by PID
/// and by the names in the state file; each step tolerates what is already gone (idempotent).
/// <code>
///   relay ─► pods' netns (from the agents and the state file) ─► agents (SIGTERM, then SIGKILL)
///   ─► ciliuml7-agent cleanup per node (leaves etcd: its lease revoked) ─► node netns, bpffs roots
///   ─► etcd ─► underlay netns ─► the cluster's directory
/// </code>
/// </summary>
internal static class ClusterDown
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    /// <summary>Returns the number of things that could not be removed (0: all gone).</summary>
    public static int Run(ClusterState state, TextWriter output)
    {
        var failures = 0;
        if (!Daemon.Stop(state.RelayPid, state.Directory, Grace))
        {
            output.WriteLine($" ✗ Hubble Relay (PID {state.RelayPid}) did not stop");
            failures++;
        }

        // Pods: what the agents report (live) plus what `endpoint create --node` recorded.
        var podNetns = new SortedSet<string>(state.PodNetns, StringComparer.Ordinal);
        foreach (var node in state.Nodes)
        {
            if (!Daemon.IsRunning(node.AgentPid, node.StateDir))
            {
                continue;
            }
            try
            {
                using var client = new AgentClient(node.AgentSocket, TimeSpan.FromSeconds(5));
                foreach (var endpoint in client.ListEndpointsAsync().GetAwaiter().GetResult())
                {
                    if (endpoint.Netns.StartsWith(EndpointCommands.NetnsDir + "/", StringComparison.Ordinal))
                    {
                        podNetns.Add(Path.GetFileName(endpoint.Netns));
                    }
                }
            }
            catch (Exception e) when (e is AgentUnavailableException or AgentTimeoutException or HttpRequestException or AgentException)
            {
                // Its pods recorded in the state file are still removed below.
            }
        }

        foreach (var node in state.Nodes)
        {
            if (!Daemon.Stop(node.AgentPid, node.StateDir, Grace))
            {
                output.WriteLine($" ✗ agent of {node.Name} (PID {node.AgentPid}) did not stop");
                failures++;
            }
        }
        var agent = Path.Combine(AppContext.BaseDirectory, "ciliuml7-agent");
        foreach (var node in state.Nodes)
        {
            if (File.Exists(node.NetnsPath) && File.Exists(agent))
            {
                // Leaves the cluster (revokes the node's lease: its ipcache rows and node entry go from etcd) and removes pins, links, rules.
                Shell.RunWithin(TimeSpan.FromSeconds(60), "nsenter", "--net=" + node.NetnsPath, agent, "cleanup",
                    "--state-dir", node.StateDir, "--bpf-root", node.BpfRoot, "--policy-dir", node.PolicyDir,
                    "--kvstore", "etcd", "--kvstore-opt", string.Join(',', state.EtcdAddresses.Select(a => "etcd.address=" + a)));
            }
        }
        foreach (var netns in podNetns)
        {
            DeleteNetns(netns);
        }
        foreach (var node in state.Nodes)
        {
            DeleteNetns(node.Netns);
            try
            {
                if (Directory.Exists(node.BpfRoot))
                {
                    Directory.Delete(node.BpfRoot, recursive: true);
                }
            }
            catch (IOException e)
            {
                output.WriteLine($" ✗ {node.BpfRoot}: {e.Message}");
                failures++;
            }
            output.WriteLine($" ✓ {node.Name} removed");
        }
        foreach (var pid in state.EtcdMemberPids.Prepend(state.EtcdPid))
        {
            if (!Daemon.Stop(pid, state.Directory, Grace))
            {
                output.WriteLine($" ✗ etcd (PID {pid}) did not stop");
                failures++;
            }
        }
        DeleteNetns(state.UnderlayNetns);
        output.WriteLine($" ✓ etcd and underlay {state.UnderlayNetns} removed");
        if (failures == 0)
        {
            try
            {
                Directory.Delete(state.Directory, recursive: true);
            }
            catch (IOException e)
            {
                output.WriteLine($" ✗ {state.Directory}: {e.Message}");
                failures++;
            }
        }
        return failures;
    }

    private static void DeleteNetns(string name)
    {
        if (File.Exists(Path.Combine(EndpointCommands.NetnsDir, name)))
        {
            Shell.Run("ip", "netns", "del", name);
        }
    }
}
