using CiliumL7.Agent.Configuration;
using Xunit;

namespace CiliumL7.Agent.Tests.Fqdn;

public sealed class FqdnOptionsTests
{
    [Fact]
    public void Parse_TofqdnsFlags_SetTheCacheOptions()
    {
        var o = AgentOptions.Parse(["--tofqdns-min-ttl", "60", "--tofqdns-endpoint-max-ip-per-hostname=7", "--tofqdns-endpoint-max-names", "9",
            "--tofqdns-max-deferred-connection-deletes", "11", "--tofqdns-idle-connection-grace-period", "2m"]);
        Assert.Equal(TimeSpan.FromSeconds(60), o.Fqdn.MinTtl);
        Assert.Equal(7, o.Fqdn.MaxIpsPerHostname);
        Assert.Equal(9, o.Fqdn.MaxNamesPerEndpoint);
        Assert.Equal(11, o.Fqdn.MaxDeferredConnectionDeletes);
        Assert.Equal(TimeSpan.FromMinutes(2), o.Fqdn.IdleConnectionGracePeriod);
    }

    [Theory]
    [InlineData("--tofqdns-min-ttl", "-1", "--tofqdns-min-ttl \"-1\" is not a whole number >= 0")]
    [InlineData("--tofqdns-endpoint-max-ip-per-hostname", "0", "is not a whole number >= 1")]
    [InlineData("--tofqdns-idle-connection-grace-period", "5d", "is not a duration like 0s, 30s, 2m or 1h")]
    public void Parse_BadTofqdnsValue_ThrowsNamingFlagAndValue(string flag, string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => AgentOptions.Parse([flag, value]));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
