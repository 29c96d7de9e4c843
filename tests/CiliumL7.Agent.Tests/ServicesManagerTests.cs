using System.Net;
using CiliumL7.Agent.Services;

namespace CiliumL7.Agent.Tests;

public sealed class ServicesManagerTests
{
    private static readonly IPNetwork Cidr = IPNetwork.Parse(ServiceManager.DefaultServiceCidr);

    private static readonly ServiceSpec Deathstar = new()
    {
        Name = "deathstar",
        Namespace = "default",
        Ports = [new ServicePort { Port = 80 }],
        Selector = new Dictionary<string, string> { ["org"] = "empire", ["class"] = "deathstar" },
    };

    private static (uint, string, IReadOnlyDictionary<string, string>, IPAddress) Ep(uint id, string ns, string ip, params string[] labels)
    {
        var dict = new Dictionary<string, string>();
        foreach (var l in labels)
        {
            var eq = l.IndexOf('=', StringComparison.Ordinal);
            dict[l[..eq]] = l[(eq + 1)..];
        }
        return (id, ns, dict, IPAddress.Parse(ip));
    }

    private static readonly (uint Id, string Namespace, IReadOnlyDictionary<string, string> Labels, IPAddress Ip)[] World =
    [
        Ep(7, "default", "10.244.0.12", "k8s:org=empire", "k8s:class=deathstar", "k8s:app.kubernetes.io/name=deathstar"),
        Ep(3, "default", "10.244.0.11", "org=empire", "class=deathstar"),
        Ep(4, "default", "10.244.0.13", "org=empire", "class=tiefighter"),
        Ep(5, "default", "10.244.0.14", "org=alliance", "class=xwing"),
        Ep(6, "other", "10.244.0.15", "org=empire", "class=deathstar"),
    ];

    [Fact]
    public void OnEndpointsChanged_DeathstarSelector_SelectsBothReplicasOfItsNamespaceOnly()
    {
        var manager = new ServiceManager(Cidr);
        manager.Upsert(Deathstar);
        manager.OnEndpointsChanged(World);

        var frontend = Assert.Single(manager.Get("default", "deathstar")!.Frontends);
        Assert.Equal(
            [new ServiceBackend(3, IPAddress.Parse("10.244.0.11"), 80), new ServiceBackend(7, IPAddress.Parse("10.244.0.12"), 80)],
            frontend.Backends);
    }

    [Fact]
    public void OnEndpointsChanged_RemotePodsOfOtherNodes_SelectedByLabelsAfterLocalOnesInAddressOrder()
    {
        var manager = new ServiceManager(Cidr);
        manager.Upsert(Deathstar);
        var backends = World.ToList();
        // What the kvstore ipcache gives the agent about the other nodes' pods (identity labels, pod namespace).
        ServiceEndpointSync.AddRemote(backends, new Dictionary<IPAddress, Proxy.PeerInfo>
        {
            [IPAddress.Parse("10.244.3.2")] = new(300, 0, "default", "deathstar-b", ["k8s:org=empire", "k8s:class=deathstar"]),
            [IPAddress.Parse("10.244.2.9")] = new(300, 0, "default", "deathstar-a", ["k8s:org=empire", "k8s:class=deathstar"]),
            [IPAddress.Parse("10.244.2.3")] = new(301, 0, "default", "xwing", ["k8s:org=alliance", "k8s:class=xwing"]),
            [IPAddress.Parse("10.244.2.4")] = new(302, 0, "other", "deathstar-c", ["k8s:org=empire", "k8s:class=deathstar"]),
            [IPAddress.Parse("172.31.0.2")] = new(6, 0, null, null, ["reserved:remote-node"]),
        });

        manager.OnEndpointsChanged(backends);

        var frontend = Assert.Single(manager.Get("default", "deathstar")!.Frontends);
        Assert.Equal(["10.244.2.9", "10.244.3.2", "10.244.0.11", "10.244.0.12"], frontend.Backends.Select(b => b.Ip.ToString()));
        Assert.Equal([0u, 0u, 3u, 7u], frontend.Backends.Select(b => b.EndpointId));
    }

    [Fact]
    public void OnEndpointsChanged_ReplicaDeleted_BackendLeaves()
    {
        var manager = new ServiceManager(Cidr);
        manager.Upsert(Deathstar with { Ports = [new ServicePort { Port = 80, TargetPort = 8080 }] });
        manager.OnEndpointsChanged(World);
        manager.OnEndpointsChanged([.. World.Where(e => e.Id != 7)]);

        var backend = Assert.Single(Assert.Single(manager.List()).Frontends[0].Backends);
        Assert.Equal((3u, 8080), (backend.EndpointId, backend.Port));
    }

    [Theory]
    [InlineData("k8s:org", "empire", 3)]
    [InlineData("org", "alliance", 1)]
    [InlineData("class", "nope", 0)]
    public void Upsert_SelectorKeyWithOrWithoutSource_MatchesBareLabelKey(string key, string value, int expected)
    {
        var manager = new ServiceManager(Cidr);
        manager.OnEndpointsChanged(World);
        var info = manager.Upsert(Deathstar with { Selector = new Dictionary<string, string> { [key] = value } });
        Assert.Equal(expected, info.Frontends[0].Backends.Count); // org=empire in default: 2 deathstars + tiefighter
    }

    [Fact]
    public void Upsert_EmptySelector_HasNoBackends()
    {
        var manager = new ServiceManager(Cidr);
        manager.OnEndpointsChanged(World);
        var info = manager.Upsert(Deathstar with { Selector = new Dictionary<string, string>() });
        Assert.Empty(info.Frontends[0].Backends);
    }

    [Fact]
    public void Upsert_NewServices_GetDistinctVipsInTheCidrAndKeepThemOnUpdate()
    {
        var manager = new ServiceManager(IPNetwork.Parse("10.96.7.0/24"));
        var a = manager.Upsert(Deathstar);
        var b = manager.Upsert(Deathstar with { Name = "kafka" });
        var a2 = manager.Upsert(Deathstar with { Ports = [new ServicePort { Port = 8080 }] });

        Assert.Equal(IPAddress.Parse("10.96.7.1"), a.Vip);
        Assert.Equal(IPAddress.Parse("10.96.7.2"), b.Vip);
        Assert.Equal(a.Vip, a2.Vip);
        Assert.Equal(["deathstar.default.svc.cluster.local", "deathstar.default.svc", "deathstar.default", "deathstar"], a.DnsNames);
    }

    [Fact]
    public void Upsert_RequestedVip_IsHonouredAndRejectedWhenTakenOrOutside()
    {
        var manager = new ServiceManager(Cidr);
        var vip = IPAddress.Parse("10.96.0.10");
        Assert.Equal(vip, manager.Upsert(Deathstar with { Vip = vip }).Vip);

        var taken = Assert.Throws<ArgumentException>(() => manager.Upsert(Deathstar with { Name = "other", Vip = vip }));
        Assert.Contains("already used by default/deathstar", taken.Message, StringComparison.Ordinal);
        var outside = Assert.Throws<ArgumentException>(() => manager.Upsert(Deathstar with { Name = "other", Vip = IPAddress.Parse("192.168.1.1") }));
        Assert.Contains("outside the service CIDR 10.96.0.0/16", outside.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Upsert_InvalidSpec_ReportsEveryError()
    {
        var manager = new ServiceManager(Cidr);
        var e = Assert.Throws<ArgumentException>(() => manager.Upsert(new ServiceSpec
        {
            Name = "Death_Star",
            Ports = [new ServicePort { Port = 0 }, new ServicePort { Port = 80, Protocol = "SCTP" }],
        }));
        Assert.Contains("name: \"Death_Star\" must be a DNS label", e.Message, StringComparison.Ordinal);
        Assert.Contains("ports[0].port: 0 must be 1-65535", e.Message, StringComparison.Ordinal);
        Assert.Contains("ports[1].protocol: \"SCTP\" must be TCP or UDP", e.Message, StringComparison.Ordinal);
        Assert.Empty(manager.List());
    }

    [Fact]
    public void Delete_ThenUpsert_VipIsFreedButNotReusedAtOnce()
    {
        var manager = new ServiceManager(IPNetwork.Parse("10.96.7.0/30"));
        var first = manager.Upsert(Deathstar).Vip;
        Assert.True(manager.Delete("default", "deathstar"));
        Assert.False(manager.Delete("default", "deathstar"));
        var second = manager.Upsert(Deathstar).Vip;
        var third = manager.Upsert(Deathstar with { Name = "x" }).Vip;
        Assert.NotEqual(first, second);
        Assert.Equal(first, third); // /30: two VIPs; the freed one comes back when the other is taken
        Assert.Throws<InvalidOperationException>(() => manager.Upsert(Deathstar with { Name = "y" }));
    }

    [Fact]
    public void Restart_WithStateFile_KeepsVipsAndFrontendIds()
    {
        var dir = Directory.CreateTempSubdirectory("cl7svc-state");
        try
        {
            var state = Path.Combine(dir.FullName, "services.json");
            var first = new ServiceManager(Cidr, stateFile: state);
            first.Upsert(Deathstar with { Name = "a" });
            var b = first.Upsert(Deathstar with { Name = "b", Ports = [new ServicePort { Port = 53, Protocol = "udp" }, new ServicePort { Port = 53 }] });

            var second = new ServiceManager(Cidr, stateFile: state);
            var restored = second.Get("default", "b")!;
            Assert.Equal(b.Vip, restored.Vip);
            Assert.Equal([b.Frontends[0].Id, b.Frontends[1].Id], [restored.Frontends[0].Id, restored.Frontends[1].Id]);
            Assert.Equal("UDP", restored.Frontends[0].Protocol);
            Assert.NotEqual(b.Vip, second.Upsert(Deathstar with { Name = "c" }).Vip);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
