using System.Net;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using CiliumL7.Hubble.Relay;
using CiliumL7.Hubble.Server;
using CiliumL7.Hubble.Services;
using Grpc.Net.Client;

namespace CiliumL7.Hubble.Tests.Relay;

/// <summary>
/// Two real Hubble servers ("node-a" with the Peer service listing both, "node-b" that can be
/// stopped and started again on the same socket) and a real relay discovering them over gRPC.
/// </summary>
internal sealed class RelayWorld : IAsyncDisposable
{
    private readonly string _dir;
    private readonly GrpcChannel _channel;

    private RelayWorld(string dir, TestHubble a, HubbleServer b, RelayServer relay)
    {
        _dir = dir;
        A = a;
        B = b;
        Relay = relay;
        _channel = HubbleChannel.Create(relay.Address!);
        Client = new Observer.ObserverClient(_channel);
    }

    public TestHubble A { get; }

    public HubbleServer? B { get; private set; }

    public RelayServer Relay { get; }

    public Observer.ObserverClient Client { get; }

    public string BSocket => Path.Combine(_dir, "b.sock");

    public static async Task<RelayWorld> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cl7-relay-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        var peers = new StaticPeers();
        var a = await TestHubble.StartAsync(nodeName: "node-a", peers: peers);
        var bSocket = Path.Combine(dir, "b.sock");
        peers.Set(new HubblePeer("node-a", "unix://" + a.SocketPath), new HubblePeer("node-b", "unix://" + bSocket));
        var b = await StartBAsync(bSocket);
        var relay = new RelayServer(new RelayOptions
        {
            ListenAddress = new IPEndPoint(IPAddress.Loopback, 0),
            PeerServices = ["unix://" + a.SocketPath],
            DialTimeout = TimeSpan.FromSeconds(2),
            RetryTimeout = TimeSpan.FromMilliseconds(500),
            SortBufferDrainTimeout = TimeSpan.FromMilliseconds(100),
        });
        await relay.StartAsync();
        var world = new RelayWorld(dir, a, b, relay);
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        while (relay.KnownNodes.Count < 2)
        {
            await Task.Delay(20, cts.Token);
        }
        return world;
    }

    public async Task StopBAsync()
    {
        if (B is { } b)
        {
            B = null;
            await b.DisposeAsync();
        }
    }

    public async Task StartBAgainAsync() => B = await StartBAsync(BSocket);

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Relay.DisposeAsync();
        await StopBAsync();
        await A.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<HubbleServer> StartBAsync(string socket)
    {
        var server = new HubbleServer(new HubbleServerOptions { NodeName = "node-b", UnixSocketPath = socket, TcpEndPoint = null });
        await server.StartAsync();
        return server;
    }
}
