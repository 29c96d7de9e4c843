using System.Net.Sockets;
using System.Text;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests.FastPath;

/// <summary>The HTTP/1.1 fast path end to end: response framing, upstream reuse, hand-off to Kestrel.</summary>
public sealed class FastPathForwardingTests
{
    private static TestPolicy PublicOnly() => TestPolicy.Allow(TestPolicy.Rule(null, "/public/.*"));

    private static string Response(string target) => target switch
    {
        "/public/length" => "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhello",
        "/public/chunked" => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
        "/public/close" => "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close",
        "/public/nocontent" => "HTTP/1.1 204 No Content\r\n\r\n",
        "/public/notmodified" => "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
        "/public/interim" => "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "/public/badchunk" => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX",
        "/public/upstream-close" => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        _ => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    };

    private static bool CloseAfter(string target) => target is "/public/close" or "/public/upstream-close";

    [Theory]
    [InlineData("GET", "/public/length", "hello")]
    [InlineData("GET", "/public/chunked", "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")]
    [InlineData("GET", "/public/nocontent", "")]
    [InlineData("GET", "/public/notmodified", "")]
    [InlineData("HEAD", "/public/length", "")]
    [InlineData("GET", "/public/interim", "ok")]
    public async Task Response_Framing_ForwardedExactlyAndConnectionReusable(string method, string target, string body)
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        // The same request twice on one connection, then one more that closes: the first
        // response must end exactly where the framing says, or the second would be garbled.
        var request = $"{method} {target} HTTP/1.1\r\nHost: a\r\n\r\n";
        var raw = await RawHttp.SendAsync(proxy.EndPoint, request + request + $"GET /public/last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var responses = raw.Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, responses.Length);
        foreach (var response in responses[..2])
        {
            var headEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            Assert.Equal(body, response[(headEnd + 4)..]);
            Assert.DoesNotContain("Keep-Alive:", response, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Connection:", response, StringComparison.OrdinalIgnoreCase);
        }
        Assert.EndsWith("\r\n\r\nok", responses[2]);
        Assert.Contains("Connection: close\r\n", responses[2]);
        Assert.Equal(3, proxy.Proxy.Runtime.FastPathRequests);
        Assert.Equal(1, backend.Connections);
    }

    [Fact]
    public async Task Response_CloseDelimited_BodyForwardedAndClientConnectionClosed()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint, "GET /public/close HTTP/1.1\r\nHost: a\r\n\r\nGET /public/never HTTP/1.1\r\nHost: a\r\n\r\n", TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.EndsWith("\r\n\r\nuntil-close", raw);
        Assert.DoesNotContain(backend.Heads, h => h.Contains("/public/never", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Response_UpstreamSaysClose_NextRequestOnFreshUpstreamClientKeptAlive()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            "GET /public/upstream-close HTTP/1.1\r\nHost: a\r\n\r\nGET /public/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal([200, 200], RawHttp.StatusCodes(raw));
        Assert.Equal(2, backend.Connections);
    }

    [Fact]
    public async Task Response_BadChunkedFraming_ClientConnectionAborted()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint, "GET /public/badchunk HTTP/1.1\r\nHost: a\r\n\r\n", TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.DoesNotContain("0\r\n\r\n", raw);
    }

    [Fact]
    public async Task Upstream_ReusedAcrossClientConnections_OneBackendConnection()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        for (var i = 0; i < 3; i++)
        {
            var raw = await RawHttp.SendAsync(proxy.EndPoint, $"GET /public/{i} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            Assert.Equal([200], RawHttp.StatusCodes(raw));
        }
        Assert.Equal(1, backend.Connections);
        Assert.Equal(3, backend.Heads.Count);
    }

    /// <summary>A client connection whose first request left one upstream connection in the pool.</summary>
    private static async Task<Socket> ClientWithPooledUpstreamAsync(ProxyHarness proxy)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /public/1 HTTP/1.1\r\nHost: a\r\n\r\n"));
        Assert.EndsWith("\r\n\r\nok", Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromMilliseconds(500))));
        return socket;
    }

    [Fact]
    public async Task Upstream_PooledConnectionClosedByBackend_RequestRetriedOnFreshConnection()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        using var socket = await ClientWithPooledUpstreamAsync(proxy);
        backend.CloseAll(); // the upstream's idle timeout, while the client connection still holds it
        await Task.Delay(100);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /public/2 HTTP/1.1\r\nHost: a\r\n\r\n"));
        var second = Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromMilliseconds(1000)));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", second);
        Assert.EndsWith("\r\n\r\nok", second);
        Assert.Equal(2, backend.Connections);
    }

    [Fact]
    public async Task Upstream_PooledConnectionClosedByBackend_PostNotSentTwice()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        using var socket = await ClientWithPooledUpstreamAsync(proxy);
        backend.CloseAll(); // the upstream may have acted on a request it never answered: a POST is not repeated
        await Task.Delay(100);
        await socket.SendAsync(Encoding.ASCII.GetBytes("POST /public/2 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"));
        var second = Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromMilliseconds(1000)));

        // Either the proxy sent the POST on the dead pooled connection (502, never repeated), or it saw the
        // upstream's FIN first and used a fresh connection (the POST reached the backend once). Never twice.
        var posts = backend.Heads.Count(h => h.StartsWith("POST ", StringComparison.Ordinal));
        if (second.StartsWith("HTTP/1.1 502 Bad Gateway\r\n", StringComparison.Ordinal))
        {
            Assert.Equal(1, backend.Connections);
            Assert.Equal(0, posts);
        }
        else
        {
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", second);
            Assert.Equal(2, backend.Connections);
            Assert.Equal(1, posts);
        }
    }

    [Fact]
    public async Task Deny_HeadRequest_NoBodyNextResponseFollowsHead()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            "HEAD /private HTTP/1.1\r\nHost: a\r\n\r\nGET /public/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\nContent-Length: 15\r\n", raw);
        Assert.DoesNotContain("Access denied", raw);
        Assert.Contains("\r\n\r\nHTTP/1.1 200 OK\r\n", raw);
        Assert.Equal(2, proxy.Proxy.Runtime.FastPathRequests);
    }

    [Theory]
    [InlineData("GET http://a:81/public/1 HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET http://a/public/1 HTTP/1.1\r\nHost: a:81\r\n\r\n")]
    [InlineData("GET http://b:81/public/1 HTTP/1.1\r\nHost: b\r\n\r\n")]
    [InlineData("GET /public/1 HTTP/1.1\r\nHost: \r\n\r\n")]
    [InlineData("POST /public/1 HTTP/1.1\r\nHost:\r\nContent-Length: 3\r\n\r\nabc")]
    public async Task Request_HostAmbiguousOrEmpty_400NothingForwarded(string request)
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint, request);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", raw);
        Assert.Empty(backend.Heads);
    }

    [Fact]
    public async Task Response_BothFramingsChunkedWins_BareLineFeeds502Quickly()
    {
        await using var backend = new ScriptedBackend(target => target switch
        {
            "/public/te-cl" => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 100\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            _ => "HTTP/1.1 200 OK\nContent-Length: 5\n\nhello",
        }, _ => false);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var first = await RawHttp.SendAsync(proxy.EndPoint, "GET /public/te-cl HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", TimeSpan.FromSeconds(5));
        var second = await RawHttp.SendAsync(proxy.EndPoint, "GET /public/lf HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", TimeSpan.FromSeconds(5));
        // Transfer-Encoding wins (RFC 9112 §6.3); the Content-Length is not forwarded.
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", first);
        Assert.DoesNotContain("Content-Length", first, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith("\r\n\r\n5\r\nhello\r\n0\r\n\r\n", first);
        Assert.StartsWith("HTTP/1.1 502 Bad Gateway\r\n", second);
    }

    [Fact]
    public async Task Request_ForwardedHead_CanonicalTargetNoHopByHopFieldsOthersVerbatim()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        await RawHttp.SendAsync(proxy.EndPoint,
            "GET /%70ublic/a%3fb?q=%2f HTTP/1.1\r\nHost: Deathstar.:80\r\nX-Custom:  two  words \r\nKeep-Alive: 5\r\nProxy-Connection: x\r\nConnection: keep-alive\r\n\r\n", TimeSpan.FromMilliseconds(500));
        var head = Assert.Single(backend.Heads);
        Assert.Equal("GET /public/a%3Fb?q=%2F HTTP/1.1\r\nHost: Deathstar.:80\r\nX-Custom:  two  words ", head);
    }

    [Fact]
    public async Task Deny_OnFastPath_Exact403ConnectionKeptThenAllowed()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            "GET /private HTTP/1.1\r\nHost: a\r\n\r\nGET /public/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\nContent-Length: 15\r\nContent-Type: text/plain\r\nDate: ", raw);
        Assert.Contains("\r\n\r\nAccess denied\r\nHTTP/1.1 200 OK\r\n", raw);
        Assert.Equal(2, proxy.Proxy.Runtime.FastPathRequests);
        Assert.Single(backend.Heads);
        var counters = proxy.Proxy.Counters.Snapshot();
        Assert.Equal((2L, 1L, 1L), (counters.Received, counters.Forwarded, counters.Denied));
    }

    [Fact]
    public async Task HandOff_PipelinedChunkedBodyAfterFastRequest_KestrelServesRestInOrder()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            "GET /public/1 HTTP/1.1\r\nHost: a\r\n\r\n" +
            "POST /public/2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
            "GET /public/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal([200, 200, 200], RawHttp.StatusCodes(raw));
        Assert.Equal(["/public/1", "/public/2", "/public/3"], backend.Requests.Select(r => r.Target));
        Assert.Equal("hello", Encoding.ASCII.GetString(backend.Requests[1].Body));
        Assert.Equal(1, proxy.Proxy.Runtime.FastPathRequests);
        Assert.Equal(1, proxy.Proxy.Runtime.FastPathHandOffs);
    }

    [Fact]
    public async Task Body_ContentLength_StreamedOnFastPathPipelinedRequestsIntact()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var big = new string('x', 200_000);
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            "POST /public/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
            $"PUT /public/2 HTTP/1.1\r\nHost: a\r\nContent-Length: {big.Length}\r\n\r\n{big}" +
            "GET /public/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal([200, 200, 200], RawHttp.StatusCodes(raw));
        Assert.Equal(["/public/1", "/public/2", "/public/3"], backend.Requests.Select(r => r.Target));
        Assert.Equal("hello", Encoding.ASCII.GetString(backend.Requests[0].Body));
        Assert.Equal(big, Encoding.ASCII.GetString(backend.Requests[1].Body));
        Assert.Equal(3, proxy.Proxy.Runtime.FastPathRequests);
        Assert.Equal(0, proxy.Proxy.Runtime.FastPathHandOffs);
    }

    [Fact]
    public async Task Deny_SmallBodyDrainedOnFastPath_LargeBodyLeftToKestrel()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var smuggled = "GET /public/smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            $"POST /private HTTP/1.1\r\nHost: a\r\nContent-Length: {smuggled.Length}\r\n\r\n{smuggled}" +
            "GET /public/1 HTTP/1.1\r\nHost: a\r\n\r\n" +
            $"POST /private HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\n\r\n{new string('y', 70000)}");
        Assert.Equal([403, 200, 403], RawHttp.StatusCodes(raw).Take(3));
        Assert.Equal(["/public/1"], backend.Requests.Select(r => r.Target));
        Assert.Equal(2, proxy.Proxy.Runtime.FastPathRequests);
        Assert.Equal(1, proxy.Proxy.Runtime.FastPathHandOffs);
    }

    [Fact]
    public async Task HandOff_AmbiguousTargetAfterFastRequest_KestrelPathAnswers400()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            "GET /public/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /public/%2e%2e/private HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal([200, 400], RawHttp.StatusCodes(raw));
        Assert.Equal(["/public/1"], backend.Requests.Select(r => r.Target));
        var counters = proxy.Proxy.Counters.Snapshot();
        Assert.Equal((2L, 1L, 1L), (counters.Received, counters.Forwarded, counters.ParseErrors));
    }

    [Fact]
    public async Task FastPathOff_SameAnswersAllThroughKestrel()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly(), new ProxyOptions { Http1FastPath = false });
        var raw = await RawHttp.SendAsync(proxy.EndPoint,
            "GET /private HTTP/1.1\r\nHost: a\r\n\r\nGET /public/chunked HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal([403, 200], RawHttp.StatusCodes(raw));
        Assert.Contains("hello", raw);
        Assert.Equal(0, proxy.Proxy.Runtime.FastPathRequests);
    }

    [Fact]
    public async Task Flows_FastPathRequests_SameFlowsAsKestrelPathHeadersPerRequest()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        await RawHttp.SendAsync(proxy.EndPoint,
            "GET /public/a HTTP/1.1\r\nHost: deathstar\r\nX-Id: 1\r\n\r\n" +
            "GET /public/a HTTP/1.1\r\nHost: deathstar\r\nX-Id: 1\r\n\r\n" +
            "GET /private HTTP/1.1\r\nHost: deathstar\r\nX-Id: 2\r\nConnection: close\r\n\r\n");
        var flows = proxy.Flows.Snapshot();
        Assert.Equal(6, flows.Count);
        Assert.Equal(
            [(L7FlowType.Request, FlowVerdict.Forwarded, 0), (L7FlowType.Response, FlowVerdict.Forwarded, 200),
             (L7FlowType.Request, FlowVerdict.Forwarded, 0), (L7FlowType.Response, FlowVerdict.Forwarded, 200),
             (L7FlowType.Request, FlowVerdict.Dropped, 0), (L7FlowType.Response, FlowVerdict.Forwarded, 403)],
            flows.Select(f => (f.Type, f.Verdict, f.Http.Code)));
        Assert.Equal("http://deathstar/public/a", flows[2].Http.Url);
        Assert.Equal("http://deathstar/private", flows[4].Http.Url);
        Assert.Equal("HTTP/1.1", flows[4].Http.Protocol);
        Assert.Equal(flows[0].RequestId, flows[1].RequestId);
        Assert.Contains(new KeyValuePair<string, string>("X-Id", "1"), flows[2].Http.Headers);
        Assert.Contains(new KeyValuePair<string, string>("X-Id", "2"), flows[4].Http.Headers);
        Assert.DoesNotContain(new KeyValuePair<string, string>("X-Id", "1"), flows[4].Http.Headers);
        Assert.Empty(flows[1].Http.Headers);
    }

    [Fact]
    public async Task Request_HeadSplitAcrossReads_ServedOnFastPath()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        await socket.ConnectAsync(proxy.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /public/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /public/2 HTTP/1.1\r\nHo"));
        await Task.Delay(300);
        await socket.SendAsync(Encoding.ASCII.GetBytes("st: a\r\nConnection: close\r\n\r\n"));
        var raw = Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromSeconds(2)));
        Assert.Equal([200, 200], RawHttp.StatusCodes(raw));
        Assert.Equal(2, proxy.Proxy.Runtime.FastPathRequests);
        Assert.Equal(0, proxy.Proxy.Runtime.FastPathHandOffs);
    }

    [Fact]
    public async Task Request_HeadNeverCompleted_ClosedAfterHeaderTimeoutNothingForwarded()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly(), new ProxyOptions { RequestHeadersTimeout = TimeSpan.FromSeconds(1) });
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /public/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /public/2 HTTP/1.1\r\n"));
        var raw = Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromSeconds(10)));
        Assert.Equal([200], RawHttp.StatusCodes(raw));
        Assert.True(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0, "connection still open after the header timeout");
        Assert.Single(backend.Heads);
    }

    [Fact]
    public async Task Upstream_IdleClientConnectionsHoldNone_SequentialRequestsShareOneBackendConnection()
    {
        await using var backend = new ScriptedBackend(Response, CloseAfter);
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, PublicOnly());
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                clients.Add(socket);
                await socket.ConnectAsync(proxy.EndPoint);
                await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /public/{i} HTTP/1.1\r\nHost: a\r\n\r\n"));
                Assert.EndsWith("\r\n\r\nok", Encoding.ASCII.GetString(await RawHttp.ReadAllAsync(socket, TimeSpan.FromMilliseconds(500))));
            }
            Assert.Equal(1, backend.Connections);
            Assert.Equal(1, proxy.Proxy.Runtime.FastUpstreams.IdleCount);
        }
        finally
        {
            foreach (var socket in clients)
            {
                socket.Dispose();
            }
        }
    }
}
