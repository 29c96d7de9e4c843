using System.Net;
using CiliumL7.Agent.Fqdn;
using Xunit;

namespace CiliumL7.Agent.Tests.Fqdn;

public sealed class FqdnCacheTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static (IPAddress, uint) A(string ip, uint ttl = 30) => (IPAddress.Parse(ip), ttl);

    [Fact]
    public void Learn_NewAssociation_ReportsChangeOnceNodeWide()
    {
        var cache = new FqdnCache(new FqdnOptions());
        var orphaned = new List<IPAddress>();
        Assert.True(cache.Learn(1, ["api.empire.test."], [A("198.51.100.10")], T0, orphaned));
        Assert.False(cache.Learn(1, ["api.empire.test."], [A("198.51.100.10")], T0, orphaned));
        Assert.False(cache.Learn(2, ["api.empire.test."], [A("198.51.100.10")], T0, orphaned)); // same association from another pod
        Assert.Equal(2, cache.Count);
        Assert.Empty(orphaned);
    }

    [Fact]
    public void Learn_MinTtlAboveAnswerTtl_ExpiresAtMinTtl()
    {
        var cache = new FqdnCache(new FqdnOptions { MinTtl = TimeSpan.FromSeconds(60) });
        cache.Learn(1, ["a.test."], [A("198.51.100.1", 5)], T0, []);
        var orphaned = new List<IPAddress>();
        Assert.False(cache.Expire(T0.AddSeconds(59), orphaned));
        Assert.True(cache.Expire(T0.AddSeconds(60), orphaned));
        Assert.Equal([IPAddress.Parse("198.51.100.1")], orphaned);
    }

    [Fact]
    public void Learn_MoreAddressesThanCap_KeepsCapSoonestExpiringEvicted()
    {
        var cache = new FqdnCache(new FqdnOptions { MaxIpsPerHostname = 2 });
        cache.Learn(1, ["a.test."], [A("198.51.100.1", 10)], T0, []);
        cache.Learn(1, ["a.test."], [A("198.51.100.2", 100)], T0, []);
        var orphaned = new List<IPAddress>();
        cache.Learn(1, ["a.test."], [A("198.51.100.3", 50)], T0, orphaned);
        Assert.Equal(2, cache.Count);
        Assert.Equal([IPAddress.Parse("198.51.100.1")], orphaned);
        Assert.Equal(["198.51.100.2", "198.51.100.3"], cache.Associations["a.test."].Keys.Select(a => a.ToString()).Order());
    }

    [Fact]
    public void Learn_TenThousandNamesFromOnePod_StaysWithinNameCap()
    {
        var cache = new FqdnCache(new FqdnOptions { MaxNamesPerEndpoint = 100, MaxIpsPerHostname = 4 });
        for (var i = 0; i < 10_000; i++)
        {
            cache.Learn(7, [$"n{i}.flood.test."], [A($"203.0.113.{i % 250}"), A($"198.51.100.{i % 250}"), A("198.51.100.251"), A("198.51.100.252"), A("198.51.100.253")], T0.AddMilliseconds(i), []);
        }
        Assert.Equal(100 * 4, cache.Count);
        Assert.Equal(100, cache.Associations.Count);
    }

    [Fact]
    public void Expire_OneEndpointsEntryGoes_AssociationStaysWhileAnotherHoldsIt()
    {
        var cache = new FqdnCache(new FqdnOptions());
        cache.Learn(1, ["a.test."], [A("198.51.100.1", 10)], T0, []);
        cache.Learn(2, ["a.test."], [A("198.51.100.1", 100)], T0, []);
        var orphaned = new List<IPAddress>();
        Assert.False(cache.Expire(T0.AddSeconds(20), orphaned));
        Assert.Empty(orphaned);
        Assert.True(cache.IsReferenced(IPAddress.Parse("198.51.100.1")));
        Assert.True(cache.Expire(T0.AddSeconds(200), orphaned));
        Assert.Equal(0, cache.Count);
        Assert.Empty(cache.Associations);
    }
}
