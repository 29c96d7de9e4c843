namespace CiliumL7.Cli.Cluster;

/// <summary>One node of a local cluster: its netns, underlay address, pod CIDR, agent paths and PID.</summary>
internal sealed class ClusterNode
{
    public required string Name { get; init; }

    public required int Index { get; init; }

    public required string Netns { get; init; }

    public required string Ip { get; init; }

    public required string PodCidr { get; init; }

    public required string StateDir { get; init; }

    public required string PolicyDir { get; init; }

    public required string BpfRoot { get; init; }

    public int AgentPid { get; set; }

    public string NetnsPath => "/var/run/netns/" + Netns;

    public string AgentSocket => Path.Combine(StateDir, "agent.sock");

    public string HubbleAddress => "unix://" + Path.Combine(StateDir, "hubble.sock");

    public string LogPath => Path.Combine(Path.GetDirectoryName(StateDir)!, "agent.log");
}
