using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using CiliumL7.Proxy.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CiliumL7.Proxy.Tests;

public sealed class Http2Tests
{
    private static TestPolicy Policy() => TestPolicy.Allow(
        TestPolicy.Rule("GET", "/public/.*"),
        TestPolicy.Rule("POST", "/deathstar\\.v1\\.Landing/RequestLanding"));

    [Theory]
    [InlineData("/public/a?x=1", true)]
    [InlineData("/private", false)]
    [InlineData("/public/../private", null)]
    public async Task Http2PriorKnowledge_SameVerdictsAsHttp11(string path, bool? allowed)
    {
        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            // The proxy speaks upstream what the client spoke downstream.
            await using var backend = await KestrelRecordingBackend.StartAsync(version == HttpVersion.Version20 ? HttpProtocols.Http2 : HttpProtocols.Http1);
            await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, Policy());
            using var client = proxy.CreateClient(version);
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            // HttpClient would normalize dot segments; send the raw target through a custom Uri.
            request.RequestUri = new Uri(proxy.BaseUri + path.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
            using var response = await client.SendAsync(request);
            Assert.Equal(version, response.Version);
            var body = await response.Content.ReadAsStringAsync();
            switch (allowed)
            {
                case true:
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.Equal($"ok HTTP/{(version == HttpVersion.Version20 ? "2" : "1.1")} GET {path}", body);
                    break;
                case false:
                    Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                    Assert.Equal("Access denied\r\n", body);
                    Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
                    break;
                default:
                    Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                    break;
            }
            Assert.Equal(allowed == true ? 1 : 0, backend.Requests.Count);
        }
    }

    [Fact]
    public async Task Grpc_PostServiceMethodOverHttp2_RuleMatchesAndTrailersForwarded()
    {
        await using var backend = await KestrelRecordingBackend.StartAsync(HttpProtocols.Http2);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, Policy());
        using var client = proxy.CreateClient(HttpVersion.Version20);
        byte[] frame = [0, 0, 0, 0, 3, 0x0A, 0x01, 0x58]; // uncompressed, length 3, a tiny message

        using var allowed = new HttpRequestMessage(HttpMethod.Post, "/deathstar.v1.Landing/RequestLanding") { Content = new ByteArrayContent(frame), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        allowed.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        allowed.Headers.TE.ParseAdd("trailers");
        using var ok = await client.SendAsync(allowed);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(frame, await ok.Content.ReadAsByteArrayAsync());
        Assert.Equal("0", ok.TrailingHeaders.GetValues("grpc-status").Single());

        using var denied = new HttpRequestMessage(HttpMethod.Post, "/deathstar.v1.Landing/ExhaustPort") { Content = new ByteArrayContent(frame), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        denied.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var forbidden = await client.SendAsync(denied);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        var recorded = Assert.Single(backend.Requests);
        Assert.Equal("HTTP/2", recorded.Version);
        Assert.Equal("/deathstar.v1.Landing/RequestLanding", recorded.Target);
    }

    [Fact]
    public async Task Curl_Http2PriorKnowledge_AllowedAndDenied()
    {
        await using var backend = await KestrelRecordingBackend.StartAsync(HttpProtocols.Http2);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, Policy());
        var (ok, okOut) = await CurlAsync("--http2-prior-knowledge", "-s", "-w", "\n%{http_version} %{http_code}", $"http://127.0.0.1:{proxy.Port}/public/x");
        Assert.Equal(0, ok);
        Assert.Equal("ok HTTP/2 GET /public/x\n2 200", okOut);
        var (denied, deniedOut) = await CurlAsync("--http2-prior-knowledge", "-s", "-w", "\n%{http_version} %{http_code}", $"http://127.0.0.1:{proxy.Port}/private");
        Assert.Equal(0, denied);
        Assert.Equal("Access denied\r\n\n2 403", deniedOut);
    }

    [Fact]
    public async Task H2cUpgrade_NeverTunnelled_ForwardedAsHttp11WithoutUpgrade()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, Policy());
        var (code, output) = await CurlAsync("--http2", "-s", "-w", "\n%{http_version} %{http_code}", $"http://127.0.0.1:{proxy.Port}/public/up");
        Assert.Equal(0, code);
        Assert.Equal("ok GET /public/up\n1.1 200", output);
        var recorded = Assert.Single(backend.Requests);
        Assert.Null(recorded.Header("Upgrade"));
        Assert.Null(recorded.Header("HTTP2-Settings"));
    }

    internal static async Task<(int ExitCode, string Output)> CurlAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--max-time");
        psi.ArgumentList.Add("15");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
