using System.Net;
using System.Net.Sockets;
using CiliumL7.Policy;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests;

public sealed class L7ProxyLifecycleTests
{
    private static ProxyOptions LoopbackOptions() => new()
    {
        ListenAddresses = [IPAddress.Loopback],
        TransparentListeners = false,
        TransparentUpstream = false,
        UpstreamMark = 0,
    };

    [Fact]
    public async Task RemoveRedirect_OneOfTwo_OtherKeepsServingAndRemovedPortRefuses()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = new L7Proxy(LoopbackOptions(), new TestPeers(), new InMemoryFlowSink());
        proxy.SetPolicy(TestPolicy.Allow(TestPolicy.Rule()));
        await proxy.StartAsync();
        var a = new ProxyRedirect(FreePort.Next(), new RedirectKey(1, TrafficDirection.Ingress, 80)) { TestUpstreamOverride = backend.EndPoint };
        var b = new ProxyRedirect(FreePort.Next(), new RedirectKey(2, TrafficDirection.Egress, 80)) { TestUpstreamOverride = backend.EndPoint };
        await proxy.AddRedirectAsync(a);
        await proxy.AddRedirectAsync(b);
        await proxy.AddRedirectAsync(a); // idempotent
        Assert.Equal(2, proxy.Redirects.Count);
        Assert.Equal(2, proxy.Counters.Snapshot().HttpRedirects);

        using var clientB = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{b.ProxyPort}") };
        using var keepAlive = await clientB.GetAsync("/before");
        Assert.Equal(HttpStatusCode.OK, keepAlive.StatusCode);

        Assert.True(await proxy.RemoveRedirectAsync(a.ProxyPort));
        Assert.False(await proxy.RemoveRedirectAsync(a.ProxyPort));
        Assert.Equal(1, proxy.Counters.Snapshot().HttpRedirects);

        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, a.ProxyPort)));
        using var after = await clientB.GetAsync("/after");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task RemoveRedirect_WithOpenHttp2Connection_StopsAndRefusesNewConnections()
    {
        await using var backend = await KestrelRecordingBackend.StartAsync(Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        await using var proxy = new L7Proxy(LoopbackOptions(), new TestPeers(), new InMemoryFlowSink());
        proxy.SetPolicy(TestPolicy.Allow(TestPolicy.Rule()));
        var redirect = new ProxyRedirect(FreePort.Next(), new RedirectKey(1, TrafficDirection.Ingress, 80)) { TestUpstreamOverride = backend.EndPoint };
        await proxy.AddRedirectAsync(redirect);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{redirect.ProxyPort}"), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var first = await client.GetAsync("/open");
        Assert.Equal(HttpVersion.Version20, first.Version);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await proxy.RemoveRedirectAsync(redirect.ProxyPort, timeout.Token));
        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, redirect.ProxyPort)));
    }

    [Fact]
    public async Task AddRedirect_TypeWithoutListener_NotSupported()
    {
        await using var proxy = new L7Proxy(LoopbackOptions(), new TestPeers(), new InMemoryFlowSink());
        await Assert.ThrowsAsync<NotSupportedException>(() => proxy.AddRedirectAsync(new ProxyRedirect(FreePort.Next(), new RedirectKey(1, TrafficDirection.Ingress, 53), (ProxyType)99)));
    }

    [Fact]
    public async Task AddRedirect_PortInUse_Throws()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = (ushort)((IPEndPoint)squatter.LocalEndpoint).Port;
        await using var proxy = new L7Proxy(LoopbackOptions(), new TestPeers(), new InMemoryFlowSink());
        await Assert.ThrowsAnyAsync<IOException>(() => proxy.AddRedirectAsync(new ProxyRedirect(port, new RedirectKey(1, TrafficDirection.Ingress, 80))));
        Assert.Empty(proxy.Redirects);
    }

    [Fact]
    public async Task Counters_MixedTraffic_ReceivedForwardedDeniedParseErrors()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/public/.*")));
        using var client = proxy.CreateClient();
        await client.GetAsync("/public/a");
        await client.GetAsync("/public/b");
        await client.GetAsync("/private");
        await RawHttp.SendAsync(proxy.EndPoint, "GET /public/%2e%2e/x HTTP/1.1\r\nHost: a\r\n\r\n");
        var counters = proxy.Proxy.Counters.Snapshot();
        Assert.Equal(4, counters.Received);
        Assert.Equal(2, counters.Forwarded);
        Assert.Equal(1, counters.Denied);
        Assert.Equal(1, counters.ParseErrors);
    }

    [Fact]
    public async Task Counters_RequestsKestrelRefuses_CountedAsParseErrors()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule()), new ProxyOptions { MaxRequestLineSize = 512 });
        await RawHttp.SendAsync(proxy.EndPoint, "GET /a HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n");
        await RawHttp.SendAsync(proxy.EndPoint, $"GET /{new string('a', 1000)} HTTP/1.1\r\nHost: a\r\n\r\n");
        var counters = proxy.Proxy.Counters.Snapshot();
        Assert.Equal(2, counters.ParseErrors);
        Assert.Equal(0, counters.Received);
        Assert.Equal(0, backend.BytesReceived);
    }

    [SkippableFact]
    public async Task TransparentListener_AsRoot_AcceptsAndForwardsWithMark()
    {
        CiliumL7.TestSupport.Privileged.Require();
        await using var backend = new RawRecordingBackend();
        var options = LoopbackOptions() with { TransparentListeners = true, UpstreamMark = ProxyMarks.FromProxy };
        await using var proxy = new L7Proxy(options, new TestPeers(), new InMemoryFlowSink());
        proxy.SetPolicy(TestPolicy.Allow(TestPolicy.Rule()));
        var redirect = new ProxyRedirect(FreePort.Next(), new RedirectKey(1, TrafficDirection.Ingress, 80)) { TestUpstreamOverride = backend.EndPoint };
        await proxy.AddRedirectAsync(redirect);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{redirect.ProxyPort}") };
        using var response = await client.GetAsync("/marked");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/marked", Assert.Single(backend.Requests).Target);
    }
}
