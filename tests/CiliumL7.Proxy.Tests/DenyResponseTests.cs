using System.Net.Sockets;
using System.Text;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests;

public sealed class DenyResponseTests
{
    private static TestPolicy PublicOnly() => TestPolicy.Allow(TestPolicy.Rule("GET", "/public/.*"));

    [Fact]
    public async Task Deny_RawRequest_ExactForbiddenResponseBytes()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint, "PUT /v1/exhaust-port HTTP/1.1\r\nHost: deathstar\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        var headEnd = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = raw[..headEnd].Split("\r\n");
        Assert.Equal("HTTP/1.1 403 Forbidden", head[0]);
        Assert.Contains("content-type: text/plain", head, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("content-length: 15", head, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("Access denied\r\n", raw[(headEnd + 4)..]);
        Assert.Equal(0, backend.BytesReceived);
    }

    [Fact]
    public async Task Deny_PipelinedAllowDenyAllow_ThreeResponsesInOrderOnlyAllowedForwarded()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            "GET /public/1 HTTP/1.1\r\nHost: a\r\n\r\n" +
            "POST /private HTTP/1.1\r\nHost: a\r\nContent-Length: 38\r\n\r\nGET /public/smuggled HTTP/1.1\r\nHost: a\r\n\r\n" +
            "GET /public/2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal([200, 403, 200], RawHttp.StatusCodes(raw));
        Assert.Equal(["/public/1", "/public/2"], backend.Requests.Select(r => r.Target));
    }

    [Fact]
    public async Task Deny_ChunkedBodyContainingRequest_BodyNeverParsedAsRequest()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        const string inner = "GET /public/smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            $"POST /private HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{inner.Length:x}\r\n{inner}\r\n0\r\n\r\n" +
            "GET /public/after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var codes = RawHttp.StatusCodes(raw);
        Assert.Equal(403, codes[0]);
        Assert.DoesNotContain(backend.Requests, r => r.Target == "/public/smuggled");
        Assert.True(codes.Count == 1 || (codes.Count == 2 && codes[1] == 200), "after a deny the connection is closed or clean: " + string.Join(",", codes));
    }

    [Fact]
    public async Task Deny_Expect100Continue_Gets403Not100AndBodyNotForwarded()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes("PUT /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n"));
        var first = Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromMilliseconds(1500)));
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", first);
        Assert.DoesNotContain("100 Continue", first);
        Assert.EndsWith("\r\n\r\nAccess denied\r\n", first);
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("hello world"));
        }
        catch (SocketException)
        {
            // the proxy may already have closed the connection: fine
        }
        await Task.Delay(200);
        Assert.Equal(0, backend.BytesReceived);
    }

    [Fact]
    public async Task Allow_Expect100Continue_BodyForwarded()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("PUT", "/upload")));
        using var client = proxy.CreateClient();
        client.DefaultRequestHeaders.ExpectContinue = true;
        using var content = new StringContent("hello world");
        using var response = await client.PutAsync("/upload", content);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello world", Encoding.ASCII.GetString(Assert.Single(backend.Requests).Body));
    }
}
