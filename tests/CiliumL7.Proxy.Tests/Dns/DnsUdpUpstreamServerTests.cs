using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CiliumL7.Proxy.Dns;
using Xunit;

namespace CiliumL7.Proxy.Tests.Dns;

/// <summary>
/// The pooled UDP upstream against a real UDP socket on loopback that plays the server
/// (so the test decides the order, the ids and the silence of the answers).
/// </summary>
public sealed class DnsUdpUpstreamServerTests : IDisposable
{
    private readonly Socket _server = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly ProxyOptions _options = new() { UpstreamMark = 0 };

    public DnsUdpUpstreamServerTests() => _server.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    private IPEndPoint Server => (IPEndPoint)_server.LocalEndPoint!;

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task ExchangeAsync_ManyQueriesAnsweredInReverseOrder_EachGetsItsOwnAnswerWithItsOwnIdOverOneSocket()
    {
        using var upstream = DnsUdpUpstreamServer.Open(_options, Server, 64);
        const int n = 32;
        var calls = new Task<(int, byte[])>[n];
        for (var i = 0; i < n; i++)
        {
            var query = DnsWire.Query($"q{i}.empire.test", id: (ushort)(0x4200 + i));
            calls[i] = Exchange(upstream, query);
        }
        // the "server": takes every query, then answers the last first (QR set, same bytes otherwise)
        var received = new List<(byte[] Query, EndPoint From)>();
        var buffer = new byte[512];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (received.Count < n)
        {
            var r = await _server.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            received.Add((buffer[..r.ReceivedBytes], r.RemoteEndPoint));
        }
        Assert.Single(received.Select(r => r.From).Distinct()); // one pooled socket
        Assert.Equal(n, received.Select(r => BinaryPrimitives.ReadUInt16BigEndian(r.Query)).Distinct().Count()); // ids unique on the wire
        for (var i = received.Count - 1; i >= 0; i--)
        {
            var answer = received[i].Query.ToArray();
            answer[2] |= 0x80;
            await _server.SendToAsync(answer, SocketFlags.None, received[i].From);
        }
        for (var i = 0; i < n; i++)
        {
            var (length, answer) = await calls[i].WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0x4200 + i, BinaryPrimitives.ReadUInt16BigEndian(answer)); // the pod's id is put back
            Assert.Equal(DnsWire.Query($"q{i}.empire.test", id: (ushort)(0x4200 + i))[2..], answer.AsSpan(2, length - 2).ToArray().Select((b, j) => j == 0 ? (byte)(b & 0x7F) : b).ToArray());
        }
        Assert.Equal(0, upstream.PendingCount);
    }

    [Fact]
    public async Task ExchangeAsync_AnswerWithAnotherId_IgnoredAndTheQueryTimesOut()
    {
        using var upstream = DnsUdpUpstreamServer.Open(_options, Server, 64);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var call = upstream.ExchangeAsync(DnsWire.Query("spoof.empire.test"), new byte[512], cts.Token);
        var buffer = new byte[512];
        var r = await _server.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0));
        var wrong = buffer[..r.ReceivedBytes];
        BinaryPrimitives.WriteUInt16BigEndian(wrong, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(wrong) + 1));
        wrong[2] |= 0x80;
        await _server.SendToAsync(wrong, SocketFlags.None, r.RemoteEndPoint);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, upstream.PendingCount); // the timed-out query left the table
    }

    [Fact]
    public async Task ExchangeAsync_PendingTableFull_FailsAtOnceWithoutSending()
    {
        using var upstream = DnsUdpUpstreamServer.Open(_options, Server, 2);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var first = upstream.ExchangeAsync(DnsWire.Query("a.empire.test"), new byte[512], cts.Token);
        var second = upstream.ExchangeAsync(DnsWire.Query("b.empire.test"), new byte[512], cts.Token);
        var third = await Assert.ThrowsAsync<IOException>(() => upstream.ExchangeAsync(DnsWire.Query("c.empire.test"), new byte[512], cts.Token));
        Assert.Contains("over the proxy's bound", third.Message, StringComparison.Ordinal);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
    }

    [Fact]
    public async Task ExchangeAsync_ServerPortClosed_FailsWithoutWaitingForTheTimeout()
    {
        var closed = Server;
        _server.Dispose();
        using var upstream = DnsUdpUpstreamServer.Open(_options, closed, 8);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<IOException>(() => upstream.ExchangeAsync(DnsWire.Query("a.empire.test"), new byte[512], cts.Token));
        Assert.False(cts.IsCancellationRequested); // the ICMP port unreachable ended it, not the timeout
    }

    private static async Task<(int, byte[])> Exchange(DnsUdpUpstreamServer upstream, byte[] query)
    {
        var answer = new byte[512];
        var n = await upstream.ExchangeAsync(query, answer, CancellationToken.None);
        return (n, answer);
    }
}
