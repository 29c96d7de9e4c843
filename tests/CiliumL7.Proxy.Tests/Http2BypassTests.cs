using CiliumL7.Proxy.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CiliumL7.Proxy.Tests;

/// <summary>The canonical form holds on HTTP/2 too: crafted <c>:path</c>s sent with curl --path-as-is.</summary>
public sealed class Http2BypassTests
{
    [Theory]
    [InlineData("/public/../admin", 400)]
    [InlineData("/public/./admin", 400)]
    [InlineData("/public/%2e%2e/admin", 400)]
    [InlineData("/public/..%2fadmin", 400)]
    [InlineData("/public/..;/admin", 400)]
    [InlineData("//public/a", 400)]
    [InlineData("/public/%c0%ae", 400)]
    [InlineData("/admin", 403)]
    [InlineData("/PUBLIC/a", 403)]
    public async Task Http2_CraftedPath_NeverReachesBackend(string path, int expected)
    {
        await using var backend = await KestrelRecordingBackend.StartAsync(HttpProtocols.Http2);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/public/.*")));
        var (code, output) = await Http2Tests.CurlAsync("--http2-prior-knowledge", "--path-as-is", "-s", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", $"http://127.0.0.1:{proxy.Port}{path}");
        Assert.Equal(0, code);
        Assert.Equal($"2 {expected}", output);
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task Http2_CanonicalizedPath_ForwardedCanonical()
    {
        await using var backend = await KestrelRecordingBackend.StartAsync(HttpProtocols.Http2);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/public/.*")));
        var (code, output) = await Http2Tests.CurlAsync("--http2-prior-knowledge", "--path-as-is", "-s", $"http://127.0.0.1:{proxy.Port}/%70ublic/%7e%3f");
        Assert.Equal(0, code);
        Assert.Equal("ok HTTP/2 GET /public/~%3F", output);
    }
}
