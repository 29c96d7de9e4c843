using System.Net;
using System.Net.Sockets;
using System.Text;
using CiliumL7.Datapath.Services;
using CiliumL7.TestSupport;

namespace CiliumL7.Datapath.Tests;

/// <summary>
/// sock-lb end to end: real cgroup programs on the cgroup v2 root, real
/// pinned maps on a private bpffs, pods as network namespaces.
/// </summary>
public sealed class ServicesSocketLbTests
{
    private const int ServicePort = 80;
    private const int TargetPort = 8080;
    private const int Connects = 40;
    private static readonly string[] BackendNames = ["b1", "b2"];

    [SkippableFact]
    public void Connect_ToServiceVip_BalancesAcrossBackendsAndReportsVip()
    {
        Privileged.Require();
        using var world = new LbWorld();
        var vip = RandomVip();
        var frontend = new LbFrontend(vip, ServicePort, LbProtocol.Tcp);
        world.Maps.UpsertService(frontend, 7, world.Backends(TargetPort));

        var seen = new Dictionary<string, int>();
        for (var i = 0; i < Connects; i++)
        {
            var (body, peer) = world.HttpGet(AddressFamily.InterNetwork, new IPEndPoint(vip, ServicePort));
            Assert.Equal(new IPEndPoint(vip, ServicePort), peer);
            seen[body] = seen.GetValueOrDefault(body) + 1;
        }

        Assert.Equal(["b1", "b2"], seen.Keys.Order());
        Assert.Equal(Connects, seen["b1"] + seen["b2"]);
        Assert.Empty(world.Decoy.Peers);
        // Policy sees the client pod talking to the backend pod: the source is the client's own address.
        Assert.All(world.B1.Peers.Concat(world.B2.Peers), p => Assert.Equal(world.Net.Client.Ip, p.Address));
    }

    [SkippableFact]
    public void Connect_DualStackSocketToMappedVip_IsBalancedAndReportsMappedVip()
    {
        Privileged.Require();
        using var world = new LbWorld();
        var vip = RandomVip();
        world.Maps.UpsertService(new LbFrontend(vip, ServicePort, LbProtocol.Tcp), 8, world.Backends(TargetPort));

        var mapped = vip.MapToIPv6();
        var seen = new HashSet<string>();
        for (var i = 0; i < Connects; i++)
        {
            var (body, peer) = world.HttpGet(AddressFamily.InterNetworkV6, new IPEndPoint(mapped, ServicePort));
            Assert.Equal(new IPEndPoint(mapped, ServicePort), peer);
            seen.Add(body);
        }
        Assert.Equal(["b1", "b2"], seen.Order());
        Assert.Empty(world.Decoy.Peers);
    }

    [SkippableFact]
    public void Curl_InClientNetns_ReachesOnlyBackends()
    {
        Privileged.Require();
        using var world = new LbWorld();
        var vip = RandomVip();
        world.Maps.UpsertService(new LbFrontend(vip, ServicePort, LbProtocol.Tcp), 9, world.Backends(TargetPort));

        var seen = new HashSet<string>();
        for (var i = 0; i < 12; i++)
        {
            var (code, stdout, stderr) = ServicesShell.Run("nsenter", "--net=/var/run/netns/" + world.Net.Client.Netns,
                "curl", "-s", "--max-time", "5", "-w", " %{remote_ip}", "http://" + vip + "/");
            Assert.True(code == 0, "curl exited " + code + ": " + stderr);
            var parts = stdout.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            seen.Add(parts[0]);
            Assert.Equal(vip.ToString(), parts[1]);
        }
        Assert.Subset(new HashSet<string> { "b1", "b2" }, seen);
        Assert.Empty(world.Decoy.Peers);
    }

    [SkippableFact]
    public void SendTo_UdpServiceVipFromV4AndDualStackSockets_RepliesComeFromVipAndBothBackendsAnswer()
    {
        Privileged.Require();
        using var world = new LbWorld();
        var vip = RandomVip();
        world.Maps.UpsertService(new LbFrontend(vip, ServicePort, LbProtocol.Udp), 10, world.Backends(TargetPort));

        using var socket = ServicesNetns.Socket(world.Net.Client.Netns, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveTimeout = 5000;
        var seen = new HashSet<string>();
        var buffer = new byte[256];
        for (var i = 0; i < Connects; i++)
        {
            socket.SendTo("ping"u8, new IPEndPoint(vip, ServicePort));
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            var n = socket.ReceiveFrom(buffer, ref from);
            Assert.Equal(new IPEndPoint(vip, ServicePort), from);
            seen.Add(Encoding.ASCII.GetString(buffer, 0, n));
        }
        Assert.Equal(["b1", "b2"], seen.Order());

        // Dual-stack socket (sendmsg6/recvmsg6 with a v4-mapped VIP).
        using var dual = ServicesNetns.Socket(world.Net.Client.Netns, AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        dual.DualMode = true;
        dual.ReceiveTimeout = 5000;
        var mapped = new IPEndPoint(vip.MapToIPv6(), ServicePort);
        seen.Clear();
        for (var i = 0; i < Connects; i++)
        {
            dual.SendTo("ping"u8, mapped);
            EndPoint from = new IPEndPoint(IPAddress.IPv6Any, 0);
            var n = dual.ReceiveFrom(buffer, ref from);
            Assert.Equal(mapped, from);
            seen.Add(Encoding.ASCII.GetString(buffer, 0, n));
        }
        Assert.Equal(["b1", "b2"], seen.Order());
        Assert.Empty(world.Decoy.Peers);
    }

    [SkippableFact]
    public void Connect_AfterServiceDeleted_FailsAndServiceWithoutBackendsRefuses()
    {
        Privileged.Require();
        using var world = new LbWorld();
        var vip = RandomVip();
        var frontend = new LbFrontend(vip, ServicePort, LbProtocol.Tcp);
        world.Maps.UpsertService(frontend, 11, world.Backends(TargetPort));
        Assert.Contains(world.HttpGet(AddressFamily.InterNetwork, new IPEndPoint(vip, ServicePort)).Body, BackendNames);

        world.Maps.UpsertService(frontend, 11, []);
        var refused = Assert.ThrowsAny<SocketException>(() => world.HttpGet(AddressFamily.InterNetwork, new IPEndPoint(vip, ServicePort)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        world.Maps.DeleteService(frontend);
        Assert.Empty(world.Maps.ListServices());
        // The VIP is now an ordinary address the pod has no route to: it fails at once, no backend sees it.
        var unreachable = Assert.ThrowsAny<SocketException>(() => world.HttpGet(AddressFamily.InterNetwork, new IPEndPoint(vip, ServicePort)));
        Assert.Equal(SocketError.NetworkUnreachable, unreachable.SocketErrorCode);
        Assert.Single(world.B1.Peers.Concat(world.B2.Peers));
    }

    [SkippableFact]
    public void Connect_FromNetnsNotServed_IsNotTranslatedUntilServed()
    {
        Privileged.Require();
        using var world = new LbWorld();
        var vip = RandomVip();
        world.Maps.UpsertService(new LbFrontend(vip, ServicePort, LbProtocol.Tcp), 13, world.Backends(TargetPort));
        var client = NetnsCookie.Of("/var/run/netns/" + world.Net.Client.Netns);
        Assert.Contains(client, world.Maps.ServedNetns());
        Assert.NotEqual(NetnsCookie.Current(), client);

        world.Maps.UnserveNetns(client);
        var e = Assert.ThrowsAny<SocketException>(() => world.HttpGet(AddressFamily.InterNetwork, new IPEndPoint(vip, ServicePort)));
        Assert.Equal(SocketError.NetworkUnreachable, e.SocketErrorCode); // the VIP passed through untouched
        Assert.Empty(world.B1.Peers.Concat(world.B2.Peers));

        world.Maps.ServeNetns(NetnsCookie.Any);
        Assert.Contains(world.HttpGet(AddressFamily.InterNetwork, new IPEndPoint(vip, ServicePort)).Body, BackendNames);
    }

    [SkippableFact]
    public void Install_Twice_UpgradesLinksInPlaceAndUninstallDetachesThem()
    {
        Privileged.Require();
        using var world = new LbWorld();
        var vip = RandomVip();
        world.Maps.UpsertService(new LbFrontend(vip, ServicePort, LbProtocol.Tcp), 12, world.Backends(TargetPort));
        var linkIds = LinkIds(world.BpfFs.Root);
        Assert.Equal(8, linkIds.Count);

        var again = SocketLbLoader.Install(ServicesBpfObject.Path, world.BpfFs.Root, world.Cgroup);
        Assert.True(again.Upgraded);
        Assert.Equal(linkIds, LinkIds(world.BpfFs.Root));
        // Maps were reused, not recreated: the service still balances.
        Assert.Contains(world.HttpGet(AddressFamily.InterNetwork, new IPEndPoint(vip, ServicePort)).Body, BackendNames);

        SocketLbLoader.Uninstall(world.BpfFs.Root);
        Assert.Empty(SocketLbLoader.AttachedLinks(world.BpfFs.Root));
        foreach (var id in linkIds)
        {
            Assert.NotEqual(0, ServicesShell.Run("bpftool", "link", "show", "id", id).Code);
        }
    }

    private static List<string> LinkIds(string root)
    {
        var ids = new List<string>();
        foreach (var pin in SocketLbLoader.AttachedLinks(root))
        {
            var json = ServicesShell.Ok("bpftool", "-j", "link", "show", "pinned", pin);
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            ids.Add(doc.RootElement.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return ids;
    }

    private static IPAddress RandomVip() => IPAddress.Parse("10.96." + Random.Shared.Next(1, 255) + "." + Random.Shared.Next(1, 255));

    /// <summary>Topology + servers + installed sock-lb; tears all of it down in reverse.</summary>
    private sealed class LbWorld : IDisposable
    {
        private readonly List<IDisposable> _owned = [];

        public LbWorld()
        {
            try
            {
                Net = Own(new ServicesTestNet());
                B1 = Own(new ServicesBackendServer(Net.Backend1.Netns, "b1", Net.Backend1.Ip, TargetPort));
                B2 = Own(new ServicesBackendServer(Net.Backend2.Netns, "b2", Net.Backend2.Ip, TargetPort));
                Decoy = Own(new ServicesBackendServer(Net.Decoy.Netns, "decoy", Net.Decoy.Ip, TargetPort));
                BpfFs = Own(new ServicesBpfFs());
                Cgroup = CgroupV2.FindMount() ?? throw new InvalidOperationException("no cgroup2 mount on this host");
                SocketLbLoader.Install(ServicesBpfObject.Path, BpfFs.Root, Cgroup);
                _owned.Add(new Cleanup(() => SocketLbLoader.Uninstall(BpfFs.Root)));
                Maps = Own(LoadBalancerMaps.Open(BpfFs.Root));
                Maps.ServeNetns(NetnsCookie.Of("/var/run/netns/" + Net.Client.Netns));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public ServicesTestNet Net { get; } = null!;

        public ServicesBackendServer B1 { get; } = null!;

        public ServicesBackendServer B2 { get; } = null!;

        public ServicesBackendServer Decoy { get; } = null!;

        public ServicesBpfFs BpfFs { get; } = null!;

        public string Cgroup { get; } = "";

        public LoadBalancerMaps Maps { get; } = null!;

        public LbBackend[] Backends(int port) => [new(Net.Backend1.Ip, (ushort)port), new(Net.Backend2.Ip, (ushort)port)];

        /// <summary>One HTTP GET from the client pod; returns the body and getpeername().</summary>
        public (string Body, IPEndPoint Peer) HttpGet(AddressFamily family, IPEndPoint target)
        {
            using var socket = ServicesNetns.Socket(Net.Client.Netns, family, SocketType.Stream, ProtocolType.Tcp);
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = true;
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                socket.ConnectAsync(target, cts.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }
            var peer = ServicesNetns.PeerName(socket);
            socket.Send("GET / HTTP/1.1\r\nHost: svc\r\n\r\n"u8);
            socket.ReceiveTimeout = 5000;
            var response = new MemoryStream();
            var buffer = new byte[1024];
            int n;
            while ((n = socket.Receive(buffer)) > 0)
            {
                response.Write(buffer, 0, n);
            }
            var text = Encoding.ASCII.GetString(response.ToArray());
            var body = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..].Trim();
            return (body, peer);
        }

        public void Dispose()
        {
            for (var i = _owned.Count - 1; i >= 0; i--)
            {
                try
                {
                    _owned[i].Dispose();
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine("cleanup: " + e.Message);
                }
            }
            _owned.Clear();
        }

        private T Own<T>(T item)
            where T : IDisposable
        {
            _owned.Add(item);
            return item;
        }

        private sealed class Cleanup(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }
}
