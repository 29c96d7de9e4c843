using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests;

/// <summary>
/// Crafted requests against a policy that allows only <c>GET /public/.*</c>:
/// none may reach the backend, each gets 400 or 403 (or Kestrel closes the
/// connection on a framing error it refuses to parse).
/// </summary>
public sealed class BypassTests
{
    public static TheoryData<string, string> Requests => new()
    {
        { "encoded-slash", "GET /public%2f..%2fadmin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "encoded-slash-upper", "GET /public/..%2Fadmin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "encoded-backslash", "GET /public/..%5cadmin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "encoded-dots", "GET /public/%2e%2e/admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "half-encoded-dots", "GET /public/.%2e/admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "double-encoded", "GET /public/%252e%252e/admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "dot-dot", "GET /public/../admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "dot", "GET /public/./../admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "trailing-dot-dot", "GET /public/.. HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "double-slash", "GET //public/a HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "double-slash-inner", "GET /public//../admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "backslash", "GET /public\\..\\admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "semicolon", "GET /public/..;/admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "semicolon-param", "GET /public/a;x=1 HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "fragment", "GET /public/a#/../admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "nul", "GET /public/a%00.html HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "overlong-dot", "GET /public/%c0%ae%c0%ae/admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "overlong-slash", "GET /public/..%c0%afadmin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "invalid-utf8", "GET /public/%ff HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "raw-non-ascii", "GET /public/\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "absolute-form-host-mismatch", "GET http://evil/public/a HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "absolute-form-userinfo", "GET http://a@evil/public/a HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "duplicate-host", "GET /public/a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" },
        { "missing-host", "GET /public/a HTTP/1.1\r\n\r\n" },
        { "te-and-cl", "GET /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" },
        { "cl-and-te", "GET /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 44\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "te-obfuscated", "GET /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n" },
        { "duplicate-cl", "GET /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n" },
        { "obs-fold", "GET /public/a HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n X-B: 2\r\n\r\n" },
        { "ctl-in-header", "GET /public/a HTTP/1.1\r\nHost: a\r\nX-A: a\u0001b\r\n\r\n" },
        { "del-in-header", "GET /public/a HTTP/1.1\r\nHost: a\r\nX-A: a\u007fb\r\n\r\n" },
        { "nul-in-header", "GET /public/a HTTP/1.1\r\nHost: a\r\nX-A: a\u0000b\r\n\r\n" },
        { "bare-lf", "GET /admin HTTP/1.1\nHost: a\nX: y\n\n" },
        { "bare-lf-smuggle", "POST /admin HTTP/1.1\nHost: a\nContent-Length: 36\n\nGET /public/x HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "space-before-colon", "GET /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" },
        { "method-lowercase", "get /public/a HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "method-post", "POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n" },
        { "connect", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n" },
        { "asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "http09", "GET /public/a\r\n\r\n" },
        { "tab-in-target", "GET /public/a\t/admin HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "encoded-crlf", "GET /public/a%0d%0aX:%20y HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "invalid-host", "GET /public/a HTTP/1.1\r\nHost: a/b\r\n\r\n" },
        { "prefix-trick", "GET /publicity/a HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "case-trick", "GET /PUBLIC/a HTTP/1.1\r\nHost: a\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Request_Crafted_NeverReachesBackend(string name, string request)
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/public/.*")));
        var raw = await RawHttp.SendAsync(proxy.EndPoint, request, TimeSpan.FromMilliseconds(800), firstByte: TimeSpan.FromSeconds(15));
        Assert.True(backend.BytesReceived == 0, $"{name}: backend received {backend.BytesReceived} bytes: {string.Join(" | ", backend.Requests.Select(r => r.Method + " " + r.Target))}");
        var codes = RawHttp.StatusCodes(raw);
        Assert.True(codes.Count > 0, $"{name}: no HTTP response, got '{raw}'");
        Assert.All(codes, c => Assert.True(c is 400 or 403 or 501 or 505, $"{name}: status {c}"));
    }

    [Fact]
    public async Task Request_ValidControl_ReachesBackend()
    {
        await using var backend = new RawRecordingBackend();
        await using var proxy = await ProxyHarness.StartAsync(backend.EndPoint, TestPolicy.Allow(TestPolicy.Rule("GET", "/public/.*")));
        var raw = await RawHttp.SendAsync(proxy.EndPoint, "GET /public/%61%2D%7e?x=%2f HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal([200], RawHttp.StatusCodes(raw));
        Assert.Equal("/public/a-~?x=%2F", Assert.Single(backend.Requests).Target);
    }
}
