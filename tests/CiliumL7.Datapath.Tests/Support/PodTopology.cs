using System.Net;
using System.Net.Sockets;
using CiliumL7.Datapath.Events;

namespace CiliumL7.Datapath.Tests.Support;

/// <summary>
/// A "node" netns with two "pod" netns behind veth pairs, the datapath loaded
/// under a unique bpffs root and attached (from the node netns) to both
/// host-side veths. Pod addresses exist only inside these namespaces.
/// <code>
///  pod A (eth0 10.244.R.10, fd00:10:244:R::10) ──veth── lxcA ┐
///                                                           ├ node netns (10.244.R.1, fe80::1,
///  pod B (eth0 10.244.R.20, fd00:10:244:R::20) ──veth── lxcB ┘   forwarding, proxy_arp)
/// </code>
/// </summary>
internal sealed class PodTopology : IDisposable
{
    public const uint EpA = 101;
    public const uint EpB = 102;
    public const uint IdA = 5001;
    public const uint IdB = 5002;
    public const uint IdNode = 1;

    private readonly List<IDisposable> _owned = [];

    public PodTopology()
    {
        int r = Random.Shared.Next(100, 250);
        NodeIp = $"10.244.{r}.1";
        IpA = $"10.244.{r}.10";
        IpB = $"10.244.{r}.20";
        Ip6A = $"fd00:10:244:{r:x}::10";
        Ip6B = $"fd00:10:244:{r:x}::20";
        try
        {
            Node = Own(new NetNs("cl7t-node"));
            PodA = Own(new NetNs("cl7t-pa"));
            PodB = Own(new NetNs("cl7t-pb"));
            foreach (var ns in new[] { Node, PodA, PodB })
            {
                ns.Exec("sysctl -qw net.ipv6.conf.all.accept_dad=0");
                ns.Exec("sysctl -qw net.ipv6.conf.default.accept_dad=0");
            }
            Node.Exec("sysctl -qw net.ipv4.ip_forward=1");
            Node.Exec("sysctl -qw net.ipv6.conf.all.forwarding=1");
            Wire(PodA, "lxca", IpA, Ip6A);
            Wire(PodB, "lxcb", IpB, Ip6B);
            IfA = Node.IfIndex("lxca");
            IfB = Node.IfIndex("lxcb");

            Test = Own(new TestDatapath());
            Node.Invoke(() =>
            {
                Test.Datapath.AttachEndpoint(IfA, new EndpointEntry(EpA, IdA));
                Test.Datapath.AttachEndpoint(IfB, new EndpointEntry(EpB, IdB));
                return 0;
            });
            Test.Datapath.UpsertIpcache(IPNetwork.Parse(IpA + "/32"), IdA, EpA);
            Test.Datapath.UpsertIpcache(IPNetwork.Parse(IpB + "/32"), IdB, EpB);
            Test.Datapath.UpsertIpcache(IPNetwork.Parse(Ip6A + "/128"), IdA, EpA);
            Test.Datapath.UpsertIpcache(IPNetwork.Parse(Ip6B + "/128"), IdB, EpB);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetNs Node { get; } = null!;

    public NetNs PodA { get; } = null!;

    public NetNs PodB { get; } = null!;

    public TestDatapath Test { get; } = null!;

    public BpfDatapath Datapath => Test.Datapath;

    public string NodeIp { get; }

    public string IpA { get; }

    public string IpB { get; }

    public string Ip6A { get; }

    public string Ip6B { get; }

    public int IfA { get; }

    public int IfB { get; }

    /// <summary>The "world" address (TEST-NET-2, only inside the world netns) once <see cref="AddWorld"/> ran.</summary>
    public string WorldIp { get; } = "198.51.100.10";

    /// <summary>
    /// A "world" netns behind a plain veth of the node (no programs on it),
    /// like a host outside the node.
    /// </summary>
    public NetNs AddWorld()
    {
        var world = Own(new NetNs("cl7t-w"));
        Node.Exec($"ip link add wld0 type veth peer name eth0 netns {world.Name}");
        Node.Exec("ip addr add 198.51.100.1/32 dev wld0");
        Node.Exec("ip link set wld0 up");
        Node.Exec("sysctl -qw net.ipv4.conf.wld0.proxy_arp=1");
        Node.Exec($"ip route add {WorldIp}/32 dev wld0");
        world.Exec($"ip addr add {WorldIp}/32 dev eth0");
        world.Exec("ip link set eth0 up");
        world.Exec("ip route add default dev eth0");
        return world;
    }

    /// <summary>The node's proxy routing (Cilium's fwmark rule and table 2004): marked packets are delivered locally.</summary>
    public void InstallProxyRouting()
    {
        Node.Exec("ip rule add fwmark 0x200/0xf00 lookup 2004");
        Node.Exec("ip route add local 0.0.0.0/0 dev lo table 2004");
        Node.Exec("ip -6 rule add fwmark 0x200/0xf00 lookup 2004");
        Node.Exec("ip -6 route add local ::/0 dev lo table 2004");
    }

    /// <summary>A TCP server in <paramref name="ns"/> that echoes one line per connection.</summary>
    public static Socket EchoServer(NetNs ns, int port)
    {
        var listener = ns.Invoke(() =>
        {
            var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
            s.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            s.Listen(16);
            return s;
        });
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var c = await listener.AcceptAsync();
                    _ = Task.Run(async () =>
                    {
                        using (c)
                        {
                            var buf = new byte[256];
                            int n = await c.ReceiveAsync(buf);
                            if (n > 0)
                            {
                                await c.SendAsync(buf.AsMemory(0, n));
                            }
                        }
                    });
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });
        return listener;
    }

    /// <summary>Connects from <paramref name="ns"/>; sends "ping" and returns the answer, or null when the connect timed out.</summary>
    public static async Task<string?> TryEchoAsync(NetNs ns, string ip, int port, int timeoutMs = 8000)
    {
        var address = IPAddress.Parse(ip);
        using var s = ns.Invoke(() => new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await s.ConnectAsync(new IPEndPoint(address, port), cts.Token);
            await s.SendAsync("ping"u8.ToArray(), cts.Token);
            var buf = new byte[64];
            int n = await s.ReceiveAsync(buf, cts.Token);
            return System.Text.Encoding.ASCII.GetString(buf, 0, n);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private void Wire(NetNs pod, string hostDev, string podIp, string podIp6)
    {
        Node.Exec($"ip link add {hostDev} type veth peer name eth0 netns {pod.Name}");
        Node.Exec($"ip addr add {NodeIp}/32 dev {hostDev}");
        Node.Exec($"ip link set {hostDev} up");
        Node.Exec($"sysctl -qw net.ipv4.conf.{hostDev}.proxy_arp=1");
        Node.Exec($"ip route add {podIp}/32 dev {hostDev}");
        pod.Exec($"ip addr add {podIp}/32 dev eth0");
        pod.Exec("ip link set eth0 up");
        pod.Exec("ip route add default dev eth0");
        Node.Exec($"ip -6 addr add fe80::1/64 dev {hostDev} nodad");
        Node.Exec($"ip -6 route add {podIp6}/128 dev {hostDev}");
        pod.Exec($"ip -6 addr add {podIp6}/128 dev eth0 nodad");
        pod.Exec("ip -6 route add default via fe80::1 dev eth0");
    }

    private T Own<T>(T d) where T : IDisposable
    {
        _owned.Add(d);
        return d;
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                if (_owned[i] is TestDatapath t)
                {
                    /* detach happens in the node netns; pins go with the root */
                    Node?.Invoke(() =>
                    {
                        t.Dispose();
                        return 0;
                    });
                }
                else
                {
                    _owned[i].Dispose();
                }
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
