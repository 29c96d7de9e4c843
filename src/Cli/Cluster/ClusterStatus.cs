using System.Text.Json;
using System.Text.Json.Nodes;
using CiliumL7.Client;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;

namespace CiliumL7.Cli.Cluster;

/// <summary><c>ciliuml7 cluster status [-o json]</c>: every node (name, IP, pod CIDR, agent socket, Hubble address, health), etcd and the relay, asked now.</summary>
internal static class ClusterStatus
{
    private static readonly string[] Header = ["NAME", "IP", "POD CIDR", "AGENT SOCKET", "HUBBLE", "HEALTH"];

    public static async Task<int> RunAsync(ClusterState state, bool json, TextWriter output, CancellationToken ct)
    {
        var nodes = new JsonArray();
        var healthy = true;
        foreach (var node in state.Nodes)
        {
            var health = await NodeHealthAsync(node, ct).ConfigureAwait(false);
            healthy &= health == "ok";
            nodes.Add(new JsonObject
            {
                ["name"] = node.Name,
                ["ip"] = node.Ip,
                ["podCidr"] = node.PodCidr,
                ["agentSocket"] = "unix://" + node.AgentSocket,
                ["hubbleAddress"] = node.HubbleAddress,
                ["netns"] = node.Netns,
                ["agentPid"] = node.AgentPid,
                ["health"] = health,
            });
        }
        var running = state.EtcdMemberPids.Prepend(state.EtcdPid).Count(pid => Daemon.IsRunning(pid, state.Directory));
        var etcd = state.EtcdMembers == 1
            ? (running == 1 ? "ok" : "down")
            : running == state.EtcdMembers ? $"ok ({running}/{state.EtcdMembers} members)"
            : running > state.EtcdMembers / 2 ? $"ok ({running}/{state.EtcdMembers} members: quorum)"
            : $"down ({running}/{state.EtcdMembers} members: no quorum)";
        var relay = await RelayHealthAsync(state, ct).ConfigureAwait(false);
        healthy &= etcd.StartsWith("ok", StringComparison.Ordinal) && relay.StartsWith("ok", StringComparison.Ordinal);
        if (json)
        {
            var doc = new JsonObject
            {
                ["name"] = state.Name,
                ["etcd"] = new JsonObject
                {
                    ["address"] = state.EtcdAddress, ["netns"] = state.UnderlayNetns, ["pid"] = state.EtcdPid, ["health"] = etcd,
                    ["members"] = new JsonArray([.. state.EtcdAddresses.Zip(state.EtcdMemberPids.Prepend(state.EtcdPid)).Select(m => (JsonNode)new JsonObject { ["address"] = m.First, ["pid"] = m.Second })]),
                },
                ["relay"] = new JsonObject { ["address"] = state.RelayAddress, ["pid"] = state.RelayPid, ["health"] = relay },
                ["nodes"] = nodes,
            };
            await output.WriteLineAsync(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            await output.WriteLineAsync($"Cluster:   {state.Name} ({state.Directory})");
            await output.WriteLineAsync($"etcd:      {string.Join(", ", state.EtcdAddresses)} in netns {state.UnderlayNetns} (PID {string.Join(", ", state.EtcdMemberPids.Prepend(state.EtcdPid))}): {etcd}");
            await output.WriteLineAsync($"Relay:     {state.RelayAddress} (PID {state.RelayPid}): {relay}");
            var rows = new List<string[]> { Header };
            rows.AddRange(nodes.Select(n => new[]
            {
                (string)n!["name"]!, (string)n["ip"]!, (string)n["podCidr"]!, (string)n["agentSocket"]!, (string)n["hubbleAddress"]!, (string)n["health"]!,
            }));
            var widths = Enumerable.Range(0, 6).Select(c => rows.Max(r => r[c].Length) + 3).ToArray();
            foreach (var row in rows)
            {
                await output.WriteLineAsync(string.Concat(row.Select((cell, c) => c < row.Length - 1 ? cell.PadRight(widths[c]) : cell)));
            }
        }
        return healthy ? 0 : 1;
    }

    private static async Task<string> NodeHealthAsync(ClusterNode node, CancellationToken ct)
    {
        if (!Daemon.IsRunning(node.AgentPid, node.StateDir))
        {
            return "agent not running";
        }
        try
        {
            using var client = new AgentClient(node.AgentSocket, TimeSpan.FromSeconds(5));
            var status = await client.GetStatusAsync(ct).ConfigureAwait(false);
            return status.KvStore is { State: "Ok" } ? "ok" : $"kvstore {status.KvStore?.State ?? "disabled"}";
        }
        catch (Exception e) when (e is AgentUnavailableException or AgentTimeoutException or HttpRequestException or AgentException)
        {
            return "agent unreachable";
        }
    }

    private static async Task<string> RelayHealthAsync(ClusterState state, CancellationToken ct)
    {
        if (!Daemon.IsRunning(state.RelayPid, state.Directory))
        {
            return "down";
        }
        try
        {
            using var channel = HubbleChannel.Create(state.RelayAddress);
            var status = await new Observer.ObserverClient(channel).ServerStatusAsync(new ServerStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct).ConfigureAwait(false);
            return status.NumUnavailableNodes == 0
                ? $"ok ({status.NumConnectedNodes} nodes connected)"
                : $"{status.NumConnectedNodes} nodes connected, unavailable: {string.Join(", ", status.UnavailableNodes)}";
        }
        catch (Grpc.Core.RpcException e)
        {
            return "unreachable: " + e.Status.Detail;
        }
    }
}
