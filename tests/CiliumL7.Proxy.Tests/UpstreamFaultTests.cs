using Microsoft.Extensions.Logging;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests;

public sealed class UpstreamFaultTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static TestPolicy AllowAll() => TestPolicy.Allow(TestPolicy.Rule());

    [Fact]
    public async Task Upstream_ConnectionRefused_502()
    {
        var closed = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        await using var proxy = await ProxyHarness.StartAsync(closed, AllowAll());
        using var client = proxy.CreateClient();
        using var response = await client.GetAsync("/a");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task Upstream_ResetBeforeHeaders_502()
    {
        await using var backend = new RawRecordingBackend(BackendMode.ResetBeforeHeaders);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll());
        using var client = proxy.CreateClient();
        using var response = await client.PostAsync("/a", new StringContent("body"));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Single(backend.Requests); // no retry of a request whose body reached the upstream
    }

    [Fact]
    public async Task Upstream_NoResponseWithinTimeout_504()
    {
        await using var backend = new RawRecordingBackend(BackendMode.Hang);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll(), new ProxyOptions { UpstreamResponseTimeout = TimeSpan.FromSeconds(1) });
        using var client = proxy.CreateClient();
        using var response = await client.GetAsync("/a");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task Upstream_ConnectTimesOut_504()
    {
        // A listener that never accepts, its backlog filled: further SYNs are dropped, connect() hangs.
        using var blackhole = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blackhole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blackhole.Listen(0);
        var target = (IPEndPoint)blackhole.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(s);
                _ = s.ConnectAsync(target);
            }
            await Task.Delay(300);
            using var logs = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug));
            await using var proxy = await ProxyHarness.StartAsync(target, AllowAll(), new ProxyOptions { UpstreamConnectTimeout = TimeSpan.FromSeconds(1) }, loggerFactory: logs);
            using var client = proxy.CreateClient();
            using var response = await client.GetAsync("/a");
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        }
        finally
        {
            foreach (var s in fillers)
            {
                s.Dispose();
            }
        }
    }

    [Fact]
    public async Task Upstream_ResetMidBody_ClientStreamAborted()
    {
        await using var backend = new RawRecordingBackend(BackendMode.ResetMidBody);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll());
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"));
        var reply = Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromSeconds(10)));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", reply);
        Assert.Contains("Content-Length: 100000", reply, StringComparison.OrdinalIgnoreCase);
        var body = reply[(reply.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal("partial", body); // the stream ends short of Content-Length: the client sees the abort
    }

    [Fact]
    public async Task Upstream_ResetMidBody_HttpClientThrows()
    {
        await using var backend = new RawRecordingBackend(BackendMode.ResetMidBody);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll());
        using var client = proxy.CreateClient();
        var error = await Record.ExceptionAsync(() => client.GetStringAsync("/a"));
        Assert.True(error is HttpRequestException or IOException, error?.ToString() ?? "no exception: the proxy faked a clean end");
    }

    [Fact]
    public async Task Client_AbortsMidBody_ProxyKeepsServing()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, AllowAll());
        using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(proxy.EndPoint);
            await socket.SendAsync(Encoding.ASCII.GetBytes("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\npartial"));
            await Task.Delay(200);
            socket.LingerState = new LingerOption(true, 0);
        }
        using var client = proxy.CreateClient();
        using var response = await client.GetAsync("/after");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(backend.Requests, r => r.Target == "/after");
        Assert.DoesNotContain(backend.Requests, r => r.Target == "/upload" && r.Body.Length == 100000);
    }
}
