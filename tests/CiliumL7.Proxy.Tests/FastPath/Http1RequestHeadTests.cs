using System.Buffers;
using System.Text;
using CiliumL7.Proxy.Http.FastPath;

namespace CiliumL7.Proxy.Tests.FastPath;

public sealed class Http1RequestHeadTests
{
    private static HeadParseStatus Parse(string raw, out Http1RequestHead head, ProxyOptions? options = null)
    {
        head = new Http1RequestHead(options ?? new ProxyOptions());
        return head.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(raw)));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET /p?q HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("DELETE /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\nX-Empty:\r\n\r\n")]
    [InlineData("GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")]
    public void TryParse_PlainRequest_Complete(string raw) =>
        Assert.Equal(HeadParseStatus.Complete, Parse(raw, out _));

    [Theory]
    [InlineData("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello")]
    [InlineData("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n")]
    [InlineData("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999999999999\r\n\r\n")]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n")]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\nConnection: X-Secret\r\n\r\n")]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n")]
    [InlineData("GET /x HTTP/1.0\r\nHost: a\r\n\r\n")]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n")]
    [InlineData("GET /x HTTP/1.1\r\nHost : a\r\n\r\n")]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\nX: a\u0001b\r\n\r\n")]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\nX: caf\u00e9\r\n\r\n")]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\nX: b\r\n\r\n")]
    [InlineData("GET  /x HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET /x\u00ff HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("G(T /x HTTP/1.1\r\nHost: a\r\n\r\n")]
    public void TryParse_AnythingUnusual_HandOff(string raw) =>
        Assert.Equal(HeadParseStatus.HandOff, Parse(raw, out _));

    [Theory]
    [InlineData("GET /x HTTP/1.1\nHost: a\n\n")]
    [InlineData("GET /x HTTP/1.1\rHost: a\r\n")]
    public void TryParse_BareLineEndNoEmptyLine_HandOff(string raw) =>
        Assert.Equal(HeadParseStatus.HandOff, Parse(raw, out _));

    [Fact]
    public void TryParse_NoEmptyLineYet_Incomplete() =>
        Assert.Equal(HeadParseStatus.Incomplete, Parse("GET /x HTTP/1.1\r\nHost: a\r\n", out _));

    [Fact]
    public void TryParse_RequestLineNearLimit_HandOffSoKestrelAnswers414()
    {
        var options = new ProxyOptions { MaxRequestLineSize = 64 };
        Assert.Equal(HeadParseStatus.HandOff, Parse($"GET /{new string('a', 60)} HTTP/1.1\r\nHost: a\r\n\r\n", out _, options));
    }

    [Fact]
    public void TryParse_TooManyHeaders_HandOffSoKestrelAnswers431()
    {
        var options = new ProxyOptions { MaxRequestHeaderCount = 3 };
        Assert.Equal(HeadParseStatus.HandOff, Parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", out _, options));
    }

    [Fact]
    public void TryParse_ContentLength_BodyLengthHeadLengthExcludesBody()
    {
        Assert.Equal(HeadParseStatus.Complete, Parse("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world", out var head));
        Assert.Equal(11, head.BodyLength);
        Assert.Equal(49, head.Length);
    }

    [Theory]
    [InlineData("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello")]
    [InlineData("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: -0\r\n\r\n")]
    public void TryParse_SignedContentLength_Refused(string raw) =>
        Assert.Equal(HeadParseStatus.Refused, Parse(raw, out _));

    [Fact]
    public void TryParse_RepeatedFieldAnyCase_HandOffSoItIsForwardedJoinedAsJudged()
    {
        Assert.Equal(HeadParseStatus.HandOff, Parse("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n", out _));
    }

    [Fact]
    public void Indexer_Fields_CaseInsensitive()
    {
        Assert.Equal(HeadParseStatus.Complete, Parse("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\r\n", out var head));
        Assert.Equal("1", head["x-a"].ToString());
        Assert.Equal("a", head["host"].ToString());
        Assert.Equal(0, head["Missing"].Count);
    }

    [Fact]
    public void TryParse_SameHeadTwice_StringsReused()
    {
        Assert.Equal(HeadParseStatus.Complete, Parse("GET /same HTTP/1.1\r\nHost: a\r\nUser-Agent: wrk\r\n\r\n", out var head));
        var target = head.RawTarget;
        var agent = head["User-Agent"].ToString();
        Assert.Equal(HeadParseStatus.Complete, head.TryParse(new ReadOnlySequence<byte>("GET /same HTTP/1.1\r\nHost: a\r\nUser-Agent: wrk\r\n\r\n"u8.ToArray())));
        Assert.Same(target, head.RawTarget);
        Assert.Same(agent, head["User-Agent"].ToString());
    }

    [Fact]
    public void WriteUpstreamHead_CanonicalTargetHopByHopDropped()
    {
        Assert.Equal(HeadParseStatus.Complete, Parse("GET /%70 HTTP/1.1\r\nHost: a\r\nConnection: close\r\nKeep-Alive: 1\r\nX: y\r\n\r\n", out var head));
        Assert.True(head.ConnectionClose);
        var buffer = new byte[256];
        var n = head.WriteUpstreamHead("/p", buffer);
        Assert.Equal("GET /p HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n", Encoding.ASCII.GetString(buffer, 0, n));
    }
}
