using System.Net;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests;

public sealed class HttpRuleEnforcementTests
{
    public static TheoryData<string, string, string?, string?, bool> Cases => new()
    {
        // method, path, host header, extra header "Name: value", allowed by the policy below
        { "POST", "/v1/request-landing", null, null, true },
        { "PUT", "/v1/exhaust-port", null, null, false },
        { "GET", "/v1/request-landing", null, null, false },
        { "GET", "/public/index.html", null, null, true },
        { "GET", "/public/a?x=1", null, null, true },
        { "GET", "/publicity", null, null, false },
        { "HEAD", "/public/a", null, null, false },
        { "GET", "/api/items", "api.example.com", null, true },
        { "GET", "/api/items", "API.Example.COM.", null, true },
        { "GET", "/api/items", "evil.example.com", null, false },
        { "GET", "/admin", null, "X-Token: secret", true },
        { "GET", "/admin", null, "x-token: secret", true },
        { "GET", "/admin", null, "X-Token: Secret", false },
        { "GET", "/admin", null, null, false },
        { "DELETE", "/anything", null, "X-Debug: 1", true },
        { "DELETE", "/anything", null, null, false },
    };

    private static TestPolicy Policy() => TestPolicy.Allow(
        TestPolicy.Rule("POST", "/v1/request-landing"),
        TestPolicy.Rule("GET", "/public/.*"),
        TestPolicy.Rule("GET", "/api/.*", "api\\.example\\.com"),
        TestPolicy.Rule("GET", "/admin", null, "X-Token: secret"),
        TestPolicy.Rule("DELETE", null, null, "X-Debug"));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Request_RuleTable_AllowedForwardedDeniedGet403(string method, string path, string? host, string? header, bool allowed)
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, Policy());
        using var client = proxy.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        if (header is not null)
        {
            var colon = header.IndexOf(':');
            request.Headers.TryAddWithoutValidation(header[..colon], header[(colon + 1)..].Trim());
        }
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (allowed)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var recorded = Assert.Single(backend.Requests);
            Assert.Equal(method, recorded.Method);
            Assert.Equal(path, recorded.Target);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(method == "HEAD" ? "" : "Access denied\r\n", body);
            Assert.Empty(backend.Requests);
        }
    }

    [Fact]
    public async Task Request_NoPolicySnapshot_Denied()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, policy: null);
        using var client = proxy.CreateClient();
        using var response = await client.GetAsync("/public/x");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, backend.BytesReceived);
    }

    [Fact]
    public async Task Request_PolicyReturnsNullForPeer_Denied()
    {
        await using var backend = new RawRecordingBackend();
        var policy = new TestPolicy((_, identity) => identity == 424242 ? HttpRuleSet.AllowAll : null);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, policy);
        using var client = proxy.CreateClient();
        using var response = await client.GetAsync("/public/x");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task SetPolicy_SwappedBetweenRequests_NextRequestUsesNewSnapshot()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/a")));
        using var client = proxy.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/a")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/b")).StatusCode);
        proxy.Proxy.SetPolicy(TestPolicy.Allow(TestPolicy.Rule("GET", "/b")));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/b")).StatusCode);
        Assert.Equal(["/a", "/b"], backend.Requests.Select(r => r.Target));
    }

    [Fact]
    public async Task Request_SameConnectionSameSnapshot_RulesLookedUpOnce()
    {
        await using var backend = new RawRecordingBackend();
        var policy = TestPolicy.Allow(TestPolicy.Rule("GET"));
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, policy);
        using var client = proxy.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/x" + i)).StatusCode);
        }
        Assert.Equal(1, backend.Connections);
        Assert.Equal(1, policy.Lookups);
    }

    [Fact]
    public async Task Request_Allowed_BodyAndHeadersReachBackendUnchanged()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("POST", "/v1/request-landing")));
        using var client = proxy.CreateClient();
        using var content = new StringContent("ship=tiefighter");
        content.Headers.Add("X-Custom", "abc");
        using var response = await client.PostAsync("/v1/request-landing", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = Assert.Single(backend.Requests);
        Assert.Equal("ship=tiefighter", System.Text.Encoding.ASCII.GetString(recorded.Body));
        Assert.Equal("abc", recorded.Header("X-Custom"));
        Assert.Equal($"127.0.0.1:{proxy.Port}", recorded.Header("Host"));
    }

    [Fact]
    public async Task Request_Http10WithoutHost_JudgedAndForwarded()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/public/.*")));
        var allowed = await RawHttp.SendAsync(proxy.EndPoint, "GET /public/a HTTP/1.0\r\n\r\n");
        var denied = await RawHttp.SendAsync(proxy.EndPoint, "GET /private HTTP/1.0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", allowed);
        Assert.StartsWith("HTTP/1.1 403", denied);
        Assert.Equal("/public/a", Assert.Single(backend.Requests).Target);
    }

    [Fact]
    public async Task Request_DualStackDefaults_ListensOnIpv4AndIpv6()
    {
        await using var backend = new RawRecordingBackend();
        var options = new ProxyOptions { TransparentListeners = false, TransparentUpstream = false, UpstreamMark = 0 };
        await using var proxy = new L7Proxy(options, new TestPeers(), new CiliumL7.Proxy.Flows.InMemoryFlowSink());
        proxy.SetPolicy(TestPolicy.Allow(TestPolicy.Rule()));
        var redirect = new ProxyRedirect(FreePort.Next(), new RedirectKey(1, CiliumL7.Policy.TrafficDirection.Ingress, 80)) { TestUpstreamOverride = backend.EndPoint };
        await proxy.AddRedirectAsync(redirect);
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{redirect.ProxyPort}/v4")).StatusCode);
        if (System.Net.Sockets.Socket.OSSupportsIPv6)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://[::1]:{redirect.ProxyPort}/v6")).StatusCode);
        }
    }

    [Theory]
    [InlineData("X-Multi: a\r\nX-Multi: b\r\n", 200)]
    [InlineData("X-Multi: a,b\r\n", 200)]
    [InlineData("X-Multi: a\r\n", 403)]
    [InlineData("X-Multi: b\r\nX-Multi: a\r\n", 403)]
    public async Task Request_RepeatedHeader_JoinedWithCommaForMatching(string headers, int expected)
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", null, null, "X-Multi: a,b")));
        var raw = await RawHttp.SendAsync(proxy.EndPoint, $"GET /x HTTP/1.1\r\nHost: a\r\n{headers}Connection: close\r\n\r\n");
        Assert.Equal([expected], RawHttp.StatusCodes(raw));
    }
}
