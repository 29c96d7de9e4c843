using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Ipam;
using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class EndpointManagerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ciliuml7-epm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private EndpointManager NewManager() => new(_dir, Ipv4Cidr.Parse("10.244.0.0/24"));

    private static EndpointCreateRequest Request(string cid, string name, string ip, params string[] labels) => new()
    {
        ContainerId = cid, Name = name, Namespace = "default", Labels = labels, Ipv4 = ip,
        HostInterface = "lxc" + cid, Ifindex = 10, Netns = "/var/run/netns/" + name, PodInterface = "eth0",
    };

    [Fact]
    public void Create_SameSecurityLabels_ShareOneIdentity()
    {
        var manager = NewManager();
        var ip1 = manager.Allocate("c1").Ipv4;
        var ip2 = manager.Allocate("c2").Ipv4;
        var ip3 = manager.Allocate("c3").Ipv4;

        var a = manager.Create(Request("c1", "deathstar-1", ip1, "org=empire", "class=deathstar", "pod-template-hash=abc")).Endpoint;
        var b = manager.Create(Request("c2", "deathstar-2", ip2, "org=empire", "class=deathstar", "pod-template-hash=def")).Endpoint;
        var c = manager.Create(Request("c3", "xwing", ip3, "org=alliance", "class=xwing")).Endpoint;

        Assert.Equal(a.Identity, b.Identity);
        Assert.NotEqual(a.Identity, c.Identity);
        Assert.True(a.Identity >= 256);
        Assert.Contains("k8s:io.kubernetes.pod.namespace=default", a.Labels);
        Assert.Contains("k8s:pod-template-hash=abc", a.Labels);
    }

    [Fact]
    public void Restore_AllocationWithoutEndpoint_ReleasedAndReported()
    {
        var first = NewManager();
        var ipT = first.Allocate("t").Ipv4;
        first.Create(Request("t", "tiefighter", ipT, "org=empire", "class=tiefighter"));
        var orphan = first.Allocate("cut-short").Ipv4; // the agent died before this container's endpoint

        var second = NewManager();
        second.Restore();

        Assert.Equal([ipT], second.Ipam().Allocations.Select(a => a.Ipv4));
        Assert.Contains(second.RestoreProblems, p => p.Contains(orphan, StringComparison.Ordinal) && p.Contains("released", StringComparison.Ordinal));
    }

    [Fact]
    public void Restore_NewInstance_KeepsEndpointsIdentitiesAndAddresses()
    {
        var first = NewManager();
        var ipX = first.Allocate("x").Ipv4;
        var ipT = first.Allocate("t").Ipv4;
        first.Create(Request("x", "xwing", ipX, "org=alliance", "class=xwing"));
        var tie = first.Create(Request("t", "tiefighter", ipT, "org=empire", "class=tiefighter")).Endpoint;
        first.Delete("xwing"); // its identity stays allocated for a later pod with the same labels

        var second = NewManager();
        var restored = second.Restore();
        var again = second.Find("default/tiefighter");

        Assert.Equal((1, 2, 1), restored);
        Assert.NotNull(again);
        Assert.Equal(tie.Id, again.Id);
        Assert.Equal(tie.Identity, again.Identity);
        Assert.Equal(ipT, again.Ipv4);
        Assert.NotEqual(ipT, second.Allocate("new").Ipv4);
    }

    [Fact]
    public void Create_PodNameTakenByAnotherContainer_Throws()
    {
        var manager = NewManager();
        manager.Create(Request("c1", "xwing", manager.Allocate("c1").Ipv4, "a=b"));

        var error = Assert.Throws<InvalidOperationException>(() => manager.Create(Request("c2", "xwing", manager.Allocate("c2").Ipv4, "a=b")));

        Assert.Contains("default/xwing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Delete_Endpoint_ReleasesItsAddress()
    {
        var manager = NewManager();
        var ip = manager.Allocate("c1").Ipv4;
        var ep = manager.Create(Request("c1", "xwing", ip, "a=b")).Endpoint;

        Assert.NotNull(manager.Delete("container-id:c1"));
        Assert.Null(manager.Delete(ep.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Empty(manager.Ipam().Allocations);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("container-id:c1")]
    [InlineData("pod:default/xwing")]
    [InlineData("default/xwing")]
    [InlineData("xwing")]
    public void Find_BySelector_FindsTheEndpoint(string selector)
    {
        var manager = NewManager();
        var ip = manager.Allocate("c1").Ipv4;
        manager.Create(Request("c1", "xwing", ip, "a=b"));

        Assert.Equal("xwing", manager.Find(selector)?.Name);
        Assert.Equal("xwing", manager.Find(ip)?.Name);
    }
}
