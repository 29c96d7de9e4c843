using CiliumL7.Proxy.Http;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests.Http;

/// <summary>
/// Judge exactly what is forwarded: a header sent in several fields is judged and forwarded as one field, joined
/// with "," in order, empty values kept; ambiguous framing is refused with 400 before any decision. Fast path on and off.
/// </summary>
public sealed class FramingAndRepeatedFieldsTests
{
    // Connection: close ends each exchange; the quiet time only bounds a slow first request on a loaded machine.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);

    public static TheoryData<bool> FastPath => new() { true, false };

    [Theory]
    [MemberData(nameof(FastPath))]
    public async Task RepeatedField_SecondEmpty_JudgedAsJoinedAndDenied(bool fastPath)
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/a", null, "X-Token: ok")), new ProxyOptions { Http1FastPath = fastPath });

        var single = await RawHttp.SendAsync(proxy.EndPoint, "GET /a HTTP/1.1\r\nHost: a\r\nX-Token: ok\r\nConnection: close\r\n\r\n", Quiet);
        var repeated = await RawHttp.SendAsync(proxy.EndPoint, "GET /a HTTP/1.1\r\nHost: a\r\nX-Token: ok\r\nX-Token:\r\nConnection: close\r\n\r\n", Quiet);

        Assert.Equal([200], RawHttp.StatusCodes(single));
        Assert.Equal([403], RawHttp.StatusCodes(repeated)); // judged "ok," (as Envoy), not "ok"
        Assert.Single(backend.Requests);
    }

    [Theory]
    [MemberData(nameof(FastPath))]
    public async Task RepeatedField_Allowed_ForwardedAsTheOneJoinedFieldThatWasJudged(bool fastPath)
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/a", null, "X-Token: ok,")), new ProxyOptions { Http1FastPath = fastPath });

        var raw = await RawHttp.SendAsync(proxy.EndPoint, "GET /a HTTP/1.1\r\nHost: a\r\nX-Token: ok\r\nX-Token:\r\nConnection: close\r\n\r\n", Quiet);

        Assert.Equal([200], RawHttp.StatusCodes(raw));
        var forwarded = Assert.Single(backend.Requests).Headers.Where(h => h.Key.Equals("X-Token", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal("ok,", Assert.Single(forwarded).Value);
    }

    [Theory]
    [InlineData(true, "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: +0\r\n\r\n")]
    [InlineData(true, "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 01\r\n\r\nx")]
    [InlineData(true, "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n")]
    [InlineData(false, "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n")]
    [InlineData(true, "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n")]
    [InlineData(false, "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n")]
    [InlineData(true, "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")]
    [InlineData(true, "POST /a HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")]
    [InlineData(false, "POST /a HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")]
    public async Task AmbiguousFraming_400AndNothingForwarded(bool fastPath, string request)
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule()), new ProxyOptions { Http1FastPath = fastPath });

        var raw = await RawHttp.SendAsync(proxy.EndPoint, request, TimeSpan.FromSeconds(3));

        Assert.Equal([400], RawHttp.StatusCodes(raw));
        Assert.Equal(0, backend.BytesReceived);
    }

    [Fact]
    public async Task ContentLengthPlusZero_KestrelOnly_NormalizedToZeroUpstream()
    {
        // Without the fast path, Kestrel reads "+0" as 0 before the proxy sees the head; what goes upstream is
        // the value it framed the request with, so judge, proxy and upstream agree (documented leniency).
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule()), new ProxyOptions { Http1FastPath = false });

        var raw = await RawHttp.SendAsync(proxy.EndPoint, "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: +0\r\nConnection: close\r\n\r\n", Quiet);

        Assert.Equal([200], RawHttp.StatusCodes(raw));
        var forwarded = Assert.Single(backend.Requests);
        Assert.Equal("0", forwarded.Header("Content-Length"));
        Assert.Empty(forwarded.Body);
    }

    [Theory]
    [MemberData(nameof(FastPath))]
    public async Task PlainChunked_StillForwarded(bool fastPath)
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule()), new ProxyOptions { Http1FastPath = fastPath });

        var raw = await RawHttp.SendAsync(proxy.EndPoint, "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\nx\r\n0\r\n\r\n", Quiet);

        Assert.Equal([200], RawHttp.StatusCodes(raw));
        Assert.Equal("x", System.Text.Encoding.ASCII.GetString(Assert.Single(backend.Requests).Body));
    }

    [Theory]
    [InlineData("x-ok", true, true)]
    [InlineData("Content-Type", true, true)]
    [InlineData(":method", true, true)]
    [InlineData(":method", false, false)]
    [InlineData("x bad", true, false)]
    [InlineData("x:bad", true, false)]
    [InlineData("x\rbad", true, false)]
    [InlineData("x\nbad", true, false)]
    [InlineData("", true, false)]
    public void IsValidFieldName_Http2Names_RefusesSpaceColonCrLf(string name, bool http2, bool valid) =>
        Assert.Equal(valid, KestrelRequestHead.IsValidFieldName(name, http2));
}
