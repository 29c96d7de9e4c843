using System.Net;
using System.Net.WebSockets;
using System.Text;
using CiliumL7.Proxy.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CiliumL7.Proxy.Tests;

public sealed class WebSocketTests
{
    [Fact]
    public async Task WebSocket_UpgradeAllowed_EchoThroughProxy()
    {
        await using var backend = await KestrelRecordingBackend.StartAsync();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/ws/.*")));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port}/ws/chat"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("hello rebels"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[100];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("hello rebels", Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal("/ws/chat", Assert.Single(backend.Requests).Target);
    }

    [Fact]
    public async Task WebSocket_UpgradeDenied_403AndBackendUntouched()
    {
        await using var backend = await KestrelRecordingBackend.StartAsync();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/ws/.*")));
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port}/admin/ws"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task WebSocketOverHttp2_ExtendedConnectAllowed_JudgedAsGetAndEchoes()
    {
        await using var backend = await KestrelRecordingBackend.StartAsync(HttpProtocols.Http2);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/ws/.*")));
        using var socket = Http2WebSocket();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port}/ws/chat"), invoker, CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, socket.HttpStatusCode); // HTTP/2 accepts a WebSocket with 200, not 101
        // The client spoke HTTP/2 to the server's port, so the server speaks it: the extended CONNECT is forwarded as such.
        await socket.SendAsync(Encoding.UTF8.GetBytes("hello over h2"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[100];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("hello over h2", Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal("/ws/chat", Assert.Single(backend.Requests).Target);
    }

    [Fact]
    public async Task WebSocketOverHttp2_ExtendedConnectDenied_403AndBackendUntouched()
    {
        await using var backend = await KestrelRecordingBackend.StartAsync();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/ws/.*")));
        using var socket = Http2WebSocket();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port}/admin/ws"), invoker, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task WebSocketOverHttp2_PostOnlyPolicy_ExtendedConnectNotJudgedAsPost()
    {
        // The extended CONNECT is judged as the GET it stands for: a rule for another method never admits it.
        await using var backend = await KestrelRecordingBackend.StartAsync();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("POST", "/ws/.*"), TestPolicy.Rule("CONNECT", "/ws/.*")));
        using var socket = Http2WebSocket();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port}/ws/chat"), invoker, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        Assert.Empty(backend.Requests);
    }

    private static ClientWebSocket Http2WebSocket()
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact; // h2c with prior knowledge
        socket.Options.CollectHttpResponseDetails = true;
        return socket;
    }
}
