using System.Net;
using System.Text.Json;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.TestSupport;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>
/// A cluster on this host for one test: an underlay netns (a bridge on
/// 172.31.0.0/16, etcd on 172.31.0.254:2379), and N <see cref="AgentNode"/>s,
/// each wired to the bridge with 172.31.0.&lt;n&gt; and running its agent in
/// kvstore mode with its own pod CIDR. Everything goes away on dispose, even
/// after a failure (nodes, etcd by PID and its data dir, the underlay netns).
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string EtcdIp = "172.31.0.254";

    private TestCluster(string suffix)
    {
        Suffix = suffix;
        UnderlayNetns = "l7u-" + suffix;
        Name = "t" + suffix;
    }

    public string Suffix { get; }

    public string Name { get; }

    public string UnderlayNetns { get; }

    public EtcdServer? Etcd { get; private set; }

    public List<AgentNode> Nodes { get; } = [];

    public static string NodeIp(int index) => "172.31.0." + (index + 1);

    public static async Task<TestCluster> StartAsync(ITestOutputHelper? output, int nodes, params string[] agentArgs)
    {
        Privileged.Require();
        var cluster = new TestCluster(Cmd.Suffix());
        try
        {
            Cmd.Check("ip", "netns", "add", cluster.UnderlayNetns);
            Cmd.Check("ip", "-n", cluster.UnderlayNetns, "link", "set", "lo", "up");
            Cmd.Check("ip", "-n", cluster.UnderlayNetns, "link", "add", "br0", "type", "bridge");
            Cmd.Check("ip", "-n", cluster.UnderlayNetns, "addr", "add", EtcdIp + "/16", "dev", "br0");
            Cmd.Check("ip", "-n", cluster.UnderlayNetns, "link", "set", "br0", "up");
            cluster.Etcd = await EtcdServer.StartInNetnsAsync(cluster.UnderlayNetns, IPAddress.Parse(EtcdIp));
            var cidrBase = Random.Shared.Next(1, 240);
            for (var i = 0; i < nodes; i++)
            {
                var index = i;
                var node = await AgentNode.StartAsync(output, agentArgs, $"10.244.{cidrBase + i}.0/24", n => cluster.Wire(n, index));
                cluster.Nodes.Add(node);
            }
            await cluster.WaitConvergedAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The agent flags of node <paramref name="index"/> (after wiring its underlay link).</summary>
    private IEnumerable<string> Wire(AgentNode node, int index)
    {
        var link = $"u{Suffix}{index}";
        Cmd.Check("ip", "-n", UnderlayNetns, "link", "add", link, "type", "veth", "peer", "name", "und0", "netns", node.NodeNetns);
        Cmd.Check("ip", "-n", UnderlayNetns, "link", "set", link, "master", "br0", "up");
        Cmd.Check("ip", "-n", node.NodeNetns, "addr", "add", NodeIp(index) + "/16", "dev", "und0");
        Cmd.Check("ip", "-n", node.NodeNetns, "link", "set", "und0", "up");
        return
        [
            "--kvstore", "etcd", "--kvstore-opt", $"etcd.address=http://{EtcdIp}:2379",
            "--cluster-name", Name, "--cluster-id", "1", "--ipv4-node", NodeIp(index),
        ];
    }

    /// <summary>Every agent reports the kvstore Ok and knows every node.</summary>
    public async Task WaitConvergedAsync()
    {
        foreach (var node in Nodes)
        {
            var ok = await AgentNode.EventuallyAsync(async () =>
            {
                var status = await node.Client.GetStatusAsync().ConfigureAwait(false);
                return status.KvStore is { State: "Ok" } kv && kv.Nodes == Nodes.Count;
            }, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            Assert.True(ok, $"{node.NodeName} did not converge:\n{node.AgentLog}");
        }
    }

    /// <summary>The identity <paramref name="node"/>'s ipcache BPF map holds for <paramref name="ip"/> (exact /32), read with bpftool; null when absent.</summary>
    public static uint? IpcacheIdentity(AgentNode node, string ip)
    {
        var r = Cmd.Run("bpftool", "-j", "map", "dump", "pinned", Path.Combine(node.BpfRoot, "cl7_ipcache"));
        Assert.True(r.ExitCode == 0, r.All);
        var want = IPAddress.Parse(ip).GetAddressBytes();
        using var doc = JsonDocument.Parse(r.Stdout);
        foreach (var entry in doc.RootElement.EnumerateArray())
        {
            var key = Bytes(entry.GetProperty("key"));
            var value = Bytes(entry.GetProperty("value"));
            // key: prefixlen u32, family u8, pad[3], addr[16]; value: identity u32, endpoint_id u32
            if (key.Length >= 24 && BitConverter.ToUInt32(key, 0) == 32 + 32 && key.AsSpan(8, 4).SequenceEqual(want))
            {
                return BitConverter.ToUInt32(value, 0);
            }
        }
        return null;
    }

    public static Task<bool> WaitIpcacheAsync(AgentNode node, string ip, uint? identity, TimeSpan? within = null) =>
        AgentNode.EventuallyAsync(() => Task.FromResult(IpcacheIdentity(node, ip) == identity), within ?? TimeSpan.FromSeconds(20));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            try
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // keep tearing down the rest
            }
        }
        Etcd?.Dispose();
        Cmd.Run("ip", "netns", "del", UnderlayNetns);
    }

    private static byte[] Bytes(JsonElement array)
    {
        var list = new List<byte>();
        foreach (var b in array.EnumerateArray())
        {
            list.Add(Convert.ToByte(b.GetString(), 16));
        }
        return [.. list];
    }
}
