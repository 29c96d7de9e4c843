using System.Net;
using CiliumL7.Agent.Ipam;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class Ipv4IpamTests
{
    [Fact]
    public void Allocate_FreshCidr_SkipsNetworkAndGateway()
    {
        var ipam = new Ipv4Ipam(Ipv4Cidr.Parse("10.244.3.0/24"));

        var first = ipam.Allocate("a");

        Assert.Equal("10.244.3.2", first.Ipv4);
        Assert.Equal("10.244.3.1", first.Gateway);
        Assert.Equal("10.244.3.0/24", first.Cidr);
    }

    [Fact]
    public void Allocate_SameOwnerTwice_ReturnsSameAddress()
    {
        var ipam = new Ipv4Ipam(Ipv4Cidr.Parse("10.244.0.0/24"));

        var a = ipam.Allocate("container-a");
        var again = ipam.Allocate("container-a");
        var b = ipam.Allocate("container-b");

        Assert.Equal(a.Ipv4, again.Ipv4);
        Assert.NotEqual(a.Ipv4, b.Ipv4);
    }

    [Fact]
    public void Allocate_AllAddressesUsed_ThrowsNamingTheCidr()
    {
        var ipam = new Ipv4Ipam(Ipv4Cidr.Parse("10.244.0.0/29")); // .2 .. .6 usable
        var handed = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            handed.Add(ipam.Allocate("o" + i).Ipv4);
        }

        var error = Assert.Throws<InvalidOperationException>(() => ipam.Allocate("one-too-many"));

        Assert.Equal(5, handed.Count);
        Assert.DoesNotContain("10.244.0.7", handed); // broadcast
        Assert.Contains("10.244.0.0/29", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Release_AllocatedAddress_MakesItAvailableAgain()
    {
        var ipam = new Ipv4Ipam(Ipv4Cidr.Parse("10.244.0.0/30")); // only .2 usable
        var a = ipam.Allocate("a");

        Assert.True(ipam.Release(IPAddress.Parse(a.Ipv4)));
        Assert.False(ipam.Release(IPAddress.Parse(a.Ipv4)));
        Assert.Equal(a.Ipv4, ipam.Allocate("b").Ipv4);
    }

    [Theory]
    [InlineData("10.244.0.9", "other", false)]  // held by "a"
    [InlineData("10.244.0.1", "x", false)]      // gateway
    [InlineData("10.245.0.5", "x", false)]      // outside
    [InlineData("10.244.0.10", "x", true)]
    public void Restore_Address_AcceptsOnlyFreeAddressesOfTheCidr(string ip, string owner, bool expected)
    {
        var ipam = new Ipv4Ipam(Ipv4Cidr.Parse("10.244.0.0/24"));
        Assert.True(ipam.Restore(IPAddress.Parse("10.244.0.9"), "a"));

        Assert.Equal(expected, ipam.Restore(IPAddress.Parse(ip), owner));
    }
}
