using System.Text;
using CiliumL7.Proxy.Http.FastPath;

namespace CiliumL7.Proxy.Tests.FastPath;

public sealed class ResponseFramingTests
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, 1 /* Length */, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 0 /* None */, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", false, 2 /* Chunked */, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, 3 /* UntilClose */, false)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", false, 3 /* UntilClose */, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, 0 /* None */, true)]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", false, 0 /* None */, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", false, 0 /* None */, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", false, 1 /* Length */, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", false, 1 /* Length */, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n", false, 1 /* Length */, true)]
    public void TryParse_Framing(string raw, bool head, int framing, bool keepAlive)
    {
        var response = default(Http1ResponseHead);
        Assert.Equal(1, response.TryParse(Encoding.ASCII.GetBytes(raw), head));
        Assert.Equal(((ResponseFraming)framing, keepAlive), (response.Framing, response.UpstreamKeepAlive));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n folded\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\nInjected: b\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\u0000b\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 5\n\nhello")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\n\r\n")]
    public void TryParse_Malformed_Refused(string raw)
    {
        var response = default(Http1ResponseHead);
        Assert.Equal(-1, response.TryParse(Encoding.ASCII.GetBytes(raw), false));
    }

    [Fact]
    public void WriteClientHead_Http10UpgradedHopByHopDroppedCloseAdded()
    {
        var raw = Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX: y\r\n\r\n");
        var response = default(Http1ResponseHead);
        Assert.Equal(1, response.TryParse(raw, false));
        var buffer = new byte[256];
        var n = response.WriteClientHead(raw.AsSpan(0, response.Length), buffer, close: true);
        Assert.Equal("HTTP/1.1 200 OK\r\nX: y\r\nConnection: close\r\n\r\n", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public void WriteClientHead_ContentLengthNextToTransferEncoding_Dropped()
    {
        var raw = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
        var response = default(Http1ResponseHead);
        Assert.Equal(1, response.TryParse(raw, false));
        Assert.Equal(ResponseFraming.Chunked, response.Framing);
        var buffer = new byte[256];
        var n = response.WriteClientHead(raw.AsSpan(0, response.Length), buffer, close: false);
        Assert.Equal("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Theory]
    [InlineData("0\r\n\r\n", 5)]
    [InlineData("5\r\nhello\r\n0\r\n\r\nNEXT", 15)]
    [InlineData("A;name=v\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT", 39)]
    public void ChunkedScanner_WholeBody_EndFound(string body, int expected)
    {
        var scanner = default(ChunkedBodyScanner);
        Assert.Equal(expected, scanner.Scan(Encoding.ASCII.GetBytes(body)));
        Assert.True(scanner.IsDone);
    }

    [Fact]
    public void ChunkedScanner_ByteByByte_SameEnd()
    {
        var bytes = Encoding.ASCII.GetBytes("3\r\nabc\r\n0\r\nT: 1\r\n\r\n");
        var scanner = default(ChunkedBodyScanner);
        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.False(scanner.IsDone);
            Assert.Equal(1, scanner.Scan(bytes.AsSpan(i, 1)));
        }
        Assert.True(scanner.IsDone);
    }

    [Theory]
    [InlineData("x\r\n")]
    [InlineData("5\r\nhelloXX")]
    [InlineData("5\nhello\r\n")]
    [InlineData("fffffffffffffffffff\r\n")]
    public void ChunkedScanner_BadFraming_Refused(string body)
    {
        var scanner = default(ChunkedBodyScanner);
        Assert.Equal(-1, scanner.Scan(Encoding.ASCII.GetBytes(body)));
    }
}
