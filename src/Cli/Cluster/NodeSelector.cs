namespace CiliumL7.Cli.Cluster;

/// <summary>
/// <c>--node NAME</c> on any agent-facing command: the agent socket of that node of a local cluster
/// (<c>$CILIUML7_CLUSTER</c>, or the cluster that has a node of that name). The command then runs
/// as with <c>-H unix://…/agent.sock</c>, and a CNI plugin it runs enters the node's netns.
/// </summary>
internal static class NodeSelector
{
    /// <summary>The cluster and node chosen by <c>--node</c>, once <see cref="Rewrite"/> ran.</summary>
    public static (ClusterState Cluster, ClusterNode Node)? Current { get; private set; }

    /// <summary>Replaces <c>--node NAME</c> with <c>-H unix://SOCKET</c> (first, where every command takes it).</summary>
    public static string[] Rewrite(string[] args)
    {
        if (args.Length == 0 || args[0] == "cluster")
        {
            return args;
        }
        var at = Array.FindIndex(args, a => a == "--node" || a.StartsWith("--node=", StringComparison.Ordinal));
        if (at < 0)
        {
            return args;
        }
        var inline = args[at].StartsWith("--node=", StringComparison.Ordinal);
        if (!inline && at + 1 >= args.Length)
        {
            throw new ArgumentException("--node: give a node name (ciliuml7 cluster status lists them)");
        }
        var name = inline ? args[at]["--node=".Length..] : args[at + 1];
        if (args.Any(a => a is "-H" or "--host" || a.StartsWith("--host=", StringComparison.Ordinal)))
        {
            throw new ArgumentException("give --node or -H/--host, not both");
        }
        var (cluster, node) = Find(name);
        Current = (cluster, node);
        CniRunner.NodeNetns = node.NetnsPath;
        var rest = args.Where((_, i) => i != at && (inline || i != at + 1));
        return ["-H", "unix://" + node.AgentSocket, .. rest];
    }

    /// <summary>Remembers a pod netns made for the current node, so <c>cluster down</c> removes it.</summary>
    public static void RecordPodNetns(string netnsPath)
    {
        if (Current is not { } current || Path.GetDirectoryName(netnsPath) != EndpointCommands.NetnsDir)
        {
            return;
        }
        // Re-read: another CLI may have recorded a pod since.
        var state = ClusterState.Load(current.Cluster.Name) ?? current.Cluster;
        var name = Path.GetFileName(netnsPath);
        if (!state.PodNetns.Contains(name))
        {
            state.PodNetns.Add(name);
            state.Save();
        }
    }

    private static (ClusterState, ClusterNode) Find(string name)
    {
        var names = Environment.GetEnvironmentVariable("CILIUML7_CLUSTER") is { Length: > 0 } chosen ? [chosen] : ClusterState.List();
        var matches = new List<(ClusterState, ClusterNode)>();
        foreach (var clusterName in names)
        {
            if (ClusterState.Load(clusterName) is { } state && state.Nodes.FirstOrDefault(n => n.Name == name) is { } node)
            {
                matches.Add((state, node));
            }
        }
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ArgumentException($"--node {name}: no such node in {(names.Count == 0 ? "any cluster (none under " + ClusterState.Root + "; ciliuml7 cluster up makes one)" : "cluster " + string.Join(", ", names))}"),
            _ => throw new ArgumentException($"--node {name}: clusters {string.Join(", ", matches.Select(m => m.Item1.Name))} all have it; pick one with CILIUML7_CLUSTER=NAME"),
        };
    }
}
