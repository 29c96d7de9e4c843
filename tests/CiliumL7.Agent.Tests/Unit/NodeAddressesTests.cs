using System.Net;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.L7;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Agent.Tests.Unit;

/// <summary>The node's own addresses as identity host: the proxy's peer view and the pod CIDR they never fall in.</summary>
public sealed class NodeAddressesTests
{
    [Fact]
    public void Resolve_NodeAddressAsHostIdentity_ReservedHostNotWorld()
    {
        var resolver = new AgentPeerResolver();
        resolver.Update([], new Dictionary<IPNetwork, uint>
        {
            [IPNetwork.Parse("172.31.9.1/32")] = ReservedIdentity.Host,
            [IPNetwork.Parse("172.31.0.0/16")] = 16777217,
        });
        var host = resolver.Resolve(IPAddress.Parse("172.31.9.1"));
        Assert.Equal(ReservedIdentity.Host, host!.Identity);
        Assert.Equal(["reserved:host"], host.Labels);
        Assert.Equal(16777217u, resolver.Resolve(IPAddress.Parse("172.31.9.2"))!.Identity);
        Assert.Equal(ReservedIdentity.World, resolver.Resolve(IPAddress.Parse("203.0.113.1"))!.Identity);
    }

    [Fact]
    public void Refresh_ThisNamespace_NoLoopbackNoPodCidrAddress()
    {
        var addresses = NodeAddresses.ForPodCidr("10.244.7.9/24"); // host bits are masked, as the agent accepts them
        addresses.Refresh();
        Assert.DoesNotContain(addresses.Current, ip => IPAddress.IsLoopback(ip) || ip.ToString().StartsWith("10.244.7.", StringComparison.Ordinal));
    }
}
