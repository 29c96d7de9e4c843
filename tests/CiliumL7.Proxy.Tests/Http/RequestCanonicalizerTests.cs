using CiliumL7.Proxy.Http;

namespace CiliumL7.Proxy.Tests.Http;

public sealed class RequestCanonicalizerTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/public/a", "/public/a")]
    [InlineData("/public/a/", "/public/a/")]
    [InlineData("/public/a?x=1&y=2", "/public/a?x=1&y=2")]
    [InlineData("/%70ublic/a", "/public/a")]
    [InlineData("/public/%7e%41", "/public/~A")]
    [InlineData("/a%20b", "/a%20b")]
    [InlineData("/a%3fb", "/a%3Fb")]
    [InlineData("/caf%c3%a9", "/caf%C3%A9")]
    [InlineData("/%F0%9F%98%80", "/%F0%9F%98%80")]
    [InlineData("/a?next=%2fhome", "/a?next=%2Fhome")]
    [InlineData("/100%25", "/100%25")]
    [InlineData("/a?x=%252e", "/a?x=%252e")]
    [InlineData("/a?p=%2e%2e", "/a?p=..")]
    [InlineData("/a?q=/x/../y", "/a?q=/x/../y")]
    [InlineData("/a:b@c!$&'()*+,=", "/a:b@c!$&'()*+,=")]
    [InlineData("/a.b/.c/..d", "/a.b/.c/..d")]
    [InlineData("http://api.example.com/x?y", "/x?y")]
    [InlineData("HTTP://API.example.com:80", "/")]
    [InlineData("http://api.example.com?q", "/?q")]
    public void CanonicalizeTarget_Valid_CanonicalForm(string raw, string expected)
    {
        Assert.Equal(CanonicalizeError.None, RequestCanonicalizer.CanonicalizeTarget(raw, "api.example.com", "api.example.com", out var canonical));
        Assert.Equal(expected, canonical);
    }

    [Theory]
    [InlineData("/public/a", true)]
    [InlineData("/public/%61", false)]
    public void CanonicalizeTarget_AlreadyCanonical_ReturnsSameInstance(string raw, bool same)
    {
        RequestCanonicalizer.CanonicalizeTarget(raw, "", "", out var canonical);
        Assert.Equal(same, ReferenceEquals(raw, canonical));
    }

    [Theory]
    [InlineData("*", "UnsupportedTargetForm")]
    [InlineData("api.example.com:443", "UnsupportedTargetForm")]
    [InlineData("ftp://api.example.com/", "UnsupportedTargetForm")]
    [InlineData("/a#frag", "Fragment")]
    [InlineData("/a?x#frag", "Fragment")]
    [InlineData("/a\\b", "Backslash")]
    [InlineData("/a;jsessionid=1", "PathParameter")]
    [InlineData("/public/..;/admin", "PathParameter")]
    [InlineData("/a%2fb", "EncodedSeparator")]
    [InlineData("/a%2Fb", "EncodedSeparator")]
    [InlineData("/a%5cb", "EncodedSeparator")]
    [InlineData("/public/%2e%2e/admin", "EncodedSeparator")]
    [InlineData("/a%00", "EncodedNul")]
    [InlineData("/a?x=%00", "EncodedNul")]
    [InlineData("/a%0d%0aX:1", "EncodedControl")]
    [InlineData("/a%7f", "EncodedControl")]
    [InlineData("/public/%252e%252e/admin", "DoubleEncoding")]
    [InlineData("/a%", "BadPercentEncoding")]
    [InlineData("/a%2", "BadPercentEncoding")]
    [InlineData("/a%zz", "BadPercentEncoding")]
    [InlineData("/a%c0%ae", "InvalidUtf8")]
    [InlineData("/a%c0%af", "InvalidUtf8")]
    [InlineData("/a%e0%80%ae", "InvalidUtf8")]
    [InlineData("/a%ed%a0%80", "InvalidUtf8")]
    [InlineData("/a%f4%90%80%80", "InvalidUtf8")]
    [InlineData("/a%80", "InvalidUtf8")]
    [InlineData("/a%c3", "InvalidUtf8")]
    [InlineData("/a%c3x", "InvalidUtf8")]
    [InlineData("/public/../admin", "DotSegment")]
    [InlineData("/public/./a", "DotSegment")]
    [InlineData("/public/..", "DotSegment")]
    [InlineData("/public/.?x", "DotSegment")]
    [InlineData("//public/a", "EmptySegment")]
    [InlineData("/public//a", "EmptySegment")]
    [InlineData("/a b", "InvalidCharacter")]
    [InlineData("/a\tb", "InvalidCharacter")]
    [InlineData("/a\u00e9", "InvalidCharacter")]
    [InlineData("/a<b>", "InvalidCharacter")]
    [InlineData("/a|b", "InvalidCharacter")]
    [InlineData("/a?x=\"", "InvalidCharacter")]
    [InlineData("http://evil.example.com/public/a", "HostMismatch")]
    [InlineData("http://api.example.com:80@evil/public/a", "InvalidHost")]
    [InlineData("http:///public/a", "InvalidHost")]
    public void CanonicalizeTarget_Ambiguous_Rejected(string raw, string expected)
    {
        Assert.Equal(Enum.Parse<CanonicalizeError>(expected), RequestCanonicalizer.CanonicalizeTarget(raw, "api.example.com", "api.example.com", out _));
    }

    [Theory]
    [InlineData("http://api.example.com:81/a", "api.example.com", "HostMismatch")]
    [InlineData("http://api.example.com/a", "api.example.com:81", "HostMismatch")]
    [InlineData("http://api.example.com:8080/a", "api.example.com:80", "HostMismatch")]
    [InlineData("https://api.example.com/a", "api.example.com:80", "HostMismatch")]
    [InlineData("http://api.example.com:80/a", "api.example.com", "None")]
    [InlineData("http://api.example.com/a", "api.example.com:80", "None")]
    [InlineData("http://api.example.com:81/a", "API.example.com:081", "None")]
    [InlineData("https://api.example.com:443/a", "api.example.com", "None")]
    [InlineData("http://api.example.com./a", "api.example.com", "None")]
    public void CanonicalizeTarget_AbsoluteFormPort_ComparedWithHostPort(string raw, string rawHost, string expected)
    {
        Assert.True(HostNormalizer.TryNormalize(rawHost, out var host));
        Assert.Equal(Enum.Parse<CanonicalizeError>(expected), RequestCanonicalizer.CanonicalizeTarget(raw, host, rawHost, out _));
    }

    [Fact]
    public void CanonicalizeTarget_LongTarget_UsesPooledBuffer()
    {
        var raw = "/" + string.Concat(Enumerable.Repeat("%61", 400));
        Assert.Equal(CanonicalizeError.None, RequestCanonicalizer.CanonicalizeTarget(raw, "", "", out var canonical));
        Assert.Equal("/" + new string('a', 400), canonical);
    }
}
