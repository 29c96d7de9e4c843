using CiliumL7.Proxy.Http;

namespace CiliumL7.Proxy.Tests.Http;

public sealed class HostNormalizerTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("deathstar", "deathstar")]
    [InlineData("DeathStar.Default.svc.cluster.local.", "deathstar.default.svc.cluster.local")]
    [InlineData("deathstar:80", "deathstar")]
    [InlineData("deathstar.:8080", "deathstar")]
    [InlineData("10.244.0.5:80", "10.244.0.5")]
    [InlineData("[FD00::1]:80", "[fd00::1]")]
    [InlineData("[::1]", "[::1]")]
    public void TryNormalize_Valid_Canonical(string value, string expected)
    {
        Assert.True(HostNormalizer.TryNormalize(value, out var host));
        Assert.Equal(expected, host);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("evil.com/x")]
    [InlineData("user@host")]
    [InlineData("host:port")]
    [InlineData("host:123456")]
    [InlineData(":80")]
    [InlineData("[::1")]
    [InlineData("[fe80::1%eth0]")]
    [InlineData("a..")]
    [InlineData(".")]
    [InlineData("h%2eexample")]
    public void TryNormalize_Invalid_False(string value)
    {
        Assert.False(HostNormalizer.TryNormalize(value, out _));
    }
}
