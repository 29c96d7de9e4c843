using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CiliumL7.Policy;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Tests.Support;
using CiliumL7.Proxy.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Proxy.Tests.Transport;

/// <summary>The TCP seam a non-HTTP protocol plugs into: a handler over a duplex pipe.</summary>
public sealed class TcpRedirectListenerTests
{
    [Fact]
    public async Task StartAsync_HandlerGetsPipeAndAddresses_AnswersThroughIt()
    {
        await using var proxy = new L7Proxy(new ProxyOptions { ListenAddresses = [IPAddress.Loopback], TransparentListeners = false }, new TestPeers(), new InMemoryFlowSink());
        using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var original = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 9092);
        var redirect = new ProxyRedirect(FreePort.Next(), new RedirectKey(3, TrafficDirection.Egress, 9092), ProxyType.Kafka) { TestUpstreamOverride = original };
        var handler = new UpperCaseEcho();
        await using (var listener = await TcpRedirectListener.StartAsync(redirect, proxy.Runtime, services, NullLoggerFactory.Instance, handler, CancellationToken.None))
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, redirect.ProxyPort));
            await client.SendAsync(Encoding.ASCII.GetBytes("hello\n"));
            var buffer = new byte[16];
            var n = await client.ReceiveAsync(buffer);
            Assert.Equal("HELLO\n", Encoding.ASCII.GetString(buffer, 0, n));
            Assert.Same(redirect, listener.Redirect);
        }
        var seen = Assert.Single(handler.Connections);
        Assert.Equal(original, seen.OriginalDestination);
        Assert.Equal(IPAddress.Loopback, seen.Client.Address);
        Assert.Same(redirect, seen.Redirect);
    }

    private sealed class UpperCaseEcho : IProxyConnectionHandler
    {
        public List<ProxyConnection> Connections { get; } = [];

        public async Task OnConnectionAsync(ProxyConnection connection)
        {
            lock (Connections)
            {
                Connections.Add(connection);
            }
            var input = connection.Transport.Input;
            var output = connection.Transport.Output;
            while (true)
            {
                var result = await input.ReadAsync(connection.ConnectionClosed);
                var buffer = result.Buffer;
                var position = buffer.PositionOf((byte)'\n');
                if (position is { } end)
                {
                    var line = buffer.Slice(0, buffer.GetPosition(1, end)).ToArray();
                    await output.WriteAsync(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(line).ToUpperInvariant()));
                    input.AdvanceTo(buffer.GetPosition(1, end));
                    continue;
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
    }
}
