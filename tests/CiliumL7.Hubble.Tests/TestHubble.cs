using System.Net;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using CiliumL7.Hubble.Export;
using CiliumL7.Hubble.Server;
using Grpc.Net.Client;

namespace CiliumL7.Hubble.Tests;

/// <summary>A real HubbleServer on a temp unix socket and a free 127.0.0.1 port, plus clients.</summary>
internal sealed class TestHubble : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    private TestHubble(string directory, HubbleServer server)
    {
        Directory = directory;
        Server = server;
    }

    public string Directory { get; }

    public HubbleServer Server { get; }

    public string SocketPath => Server.UnixSocketPath!;

    public static async Task<TestHubble> StartAsync(int ringCapacity = 4095, FlowExportOptions? export = null, bool metrics = false,
        Func<string, FlowExportOptions>? exportIn = null, string nodeName = "node-test", Services.IPeerSource? peers = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "cl7-hubble-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(dir);
        var server = new HubbleServer(new HubbleServerOptions
        {
            NodeName = nodeName,
            Peers = peers,
            UnixSocketPath = HubbleServerOptions.SocketPathIn(dir),
            TcpEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            RingCapacity = ringCapacity,
            Export = export ?? exportIn?.Invoke(dir),
            MetricsEndPoint = metrics ? new IPEndPoint(IPAddress.Loopback, 0) : null,
        });
        await server.StartAsync();
        return new TestHubble(dir, server);
    }

    public Observer.ObserverClient UnixClient() => new(Track(HubbleChannel.Create("unix://" + SocketPath)));

    public Observer.ObserverClient TcpClient() => new(Track(HubbleChannel.Create("127.0.0.1:" + Server.TcpPort)));

    public Api.Peers.Peer.PeerClient PeerClient() => new(Track(HubbleChannel.Create("unix://" + SocketPath)));

    public Api.Health.Health.HealthClient HealthClient() => new(Track(HubbleChannel.Create("127.0.0.1:" + Server.TcpPort)));

    public void PublishAll(IEnumerable<Flow> flows)
    {
        foreach (var flow in flows)
        {
            Server.Publish(flow);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private GrpcChannel Track(GrpcChannel channel)
    {
        _channels.Add(channel);
        return channel;
    }
}
