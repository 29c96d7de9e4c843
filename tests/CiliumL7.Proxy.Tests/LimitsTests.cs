using System.Net.Sockets;
using System.Text;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests;

public sealed class LimitsTests
{
    private static TestPolicy AllowAll() => TestPolicy.Allow(TestPolicy.Rule());

    [Fact]
    public async Task RequestLine_TooLong_414()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll(), new ProxyOptions { MaxRequestLineSize = 1024 });
        var raw = await RawHttp.SendAsync(proxy.EndPoint, $"GET /{new string('a', 2000)} HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal([414], RawHttp.StatusCodes(raw));
        Assert.Equal(0, backend.BytesReceived);
    }

    [Fact]
    public async Task Headers_TooMany_431()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll(), new ProxyOptions { MaxRequestHeaderCount = 20 });
        var headers = new StringBuilder();
        for (var i = 0; i < 30; i++)
        {
            headers.Append($"X-H{i}: v\r\n");
        }
        var raw = await RawHttp.SendAsync(proxy.EndPoint, $"GET /a HTTP/1.1\r\nHost: a\r\n{headers}\r\n");
        Assert.Equal([431], RawHttp.StatusCodes(raw));
        Assert.Equal(0, backend.BytesReceived);
    }

    [Fact]
    public async Task Headers_TooLarge_431()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll(), new ProxyOptions { MaxRequestHeadersTotalSize = 4096 });
        var raw = await RawHttp.SendAsync(proxy.EndPoint, $"GET /a HTTP/1.1\r\nHost: a\r\nX-Big: {new string('b', 8000)}\r\n\r\n");
        Assert.Equal([431], RawHttp.StatusCodes(raw));
        Assert.Equal(0, backend.BytesReceived);
    }

    [Fact]
    public async Task Headers_WithinDefaults_Forwarded()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll());
        var raw = await RawHttp.SendAsync(proxy.EndPoint, $"GET /{new string('a', 4000)} HTTP/1.1\r\nHost: a\r\nX-Big: {new string('b', 8000)}\r\nConnection: close\r\n\r\n");
        Assert.Equal([200], RawHttp.StatusCodes(raw));
        Assert.Single(backend.Requests);
    }

    [Fact]
    public async Task Headers_SentTooSlowly_ConnectionClosedWithoutForwarding()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll(), new ProxyOptions { RequestHeadersTimeout = TimeSpan.FromSeconds(1) });
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: a\r\n"));
        // Never finish the headers: the proxy must give up (408 or close) on its own.
        var reply = Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromSeconds(10)));
        Assert.True(reply.Length == 0 || reply.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), reply);
        Assert.Equal(0, backend.BytesReceived);
    }

    [Fact]
    public async Task Connection_SilentBeforeFirstByte_ClosedByHeaderTimeout()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll(), new ProxyOptions { RequestHeadersTimeout = TimeSpan.FromSeconds(1) });
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.EndPoint);
        var buffer = new byte[16];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n;
        try
        {
            n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        }
        catch (SocketException)
        {
            n = 0;
        }
        Assert.Equal(0, n);
        Assert.False(cts.IsCancellationRequested, "the proxy kept a silent connection open");
    }

    [Fact]
    public async Task KeepAlive_IdleBeyondTimeout_ConnectionClosed()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll(), new ProxyOptions { KeepAliveTimeout = TimeSpan.FromSeconds(1) });
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"));
        // Reads the response, then waits: the proxy must close the idle connection by itself.
        var reply = Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromSeconds(10)));
        Assert.StartsWith("HTTP/1.1 200", reply);
        // Readable with nothing to read = the peer closed (a live idle connection is not readable).
        Assert.True(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0, "idle connection still open");
    }

    [Fact]
    public async Task Body_Large_StreamedToBackendComplete()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll());
        using var client = proxy.CreateClient();
        var body = new byte[8 * 1024 * 1024];
        Random.Shared.NextBytes(body);
        using var response = await client.PostAsync("/upload", new ByteArrayContent(body));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.Single(backend.Requests).Body);
    }
}
