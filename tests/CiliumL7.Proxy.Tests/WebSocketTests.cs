using System.Net;
using System.Net.WebSockets;
using System.Text;
using CiliumL7.Proxy.Tests.Support;

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
}
