using System.Net;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Ipam;
using CiliumL7.Agent.Services;
using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Tests;

/// <summary>ServiceEndpointSync against the agent's real EndpointManager (no datapath).</summary>
public sealed class ServicesEndpointSyncTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cl7svc-sync");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Attach_PodsCreatedAndDeleted_BackendsAndHostsFilesFollow()
    {
        var endpoints = new EndpointManager(Path.Combine(_dir.FullName, "state"), Ipv4Cidr.Parse("10.244.0.0/24"));
        var etc = Path.Combine(_dir.FullName, "netns");
        var services = new ServiceManager(IPNetwork.Parse(ServiceManager.DefaultServiceCidr), hosts: new HostsFileWriter(etc));
        services.Upsert(new ServiceSpec
        {
            Name = "deathstar",
            Ports = [new ServicePort { Port = 80 }],
            Selector = new Dictionary<string, string> { ["org"] = "empire", ["class"] = "deathstar" },
        });
        using var sync = ServiceEndpointSync.Attach(endpoints, services);

        Create(endpoints, "deathstar-a", "10.244.0.11", "org=empire", "class=deathstar");
        Create(endpoints, "deathstar-b", "10.244.0.12", "org=empire", "class=deathstar");
        Create(endpoints, "tiefighter", "10.244.0.13", "org=empire", "class=tiefighter");

        Assert.Equal(["10.244.0.11", "10.244.0.12"], Backends(services));
        Assert.Contains("deathstar.default.svc.cluster.local", File.ReadAllText(Path.Combine(etc, "tiefighter", "hosts")), StringComparison.Ordinal);

        endpoints.Delete("default/deathstar-a");
        Assert.Equal(["10.244.0.12"], Backends(services));
        Assert.False(Directory.Exists(Path.Combine(etc, "deathstar-a")));
        Assert.True(File.Exists(Path.Combine(etc, "deathstar-b", "hosts")));
    }

    [Fact]
    public void ToBackends_LabelsWithSource_SplitAtFirstEquals()
    {
        var model = new EndpointModel
        {
            Id = 9, Name = "p", Namespace = "ns", Labels = ["k8s:app=a=b", "k8s:io.kubernetes.pod.namespace=ns"], Identity = 300,
            Ipv4 = "10.244.0.9", Ifindex = 1, HostInterface = "lxc0", ContainerId = "c", Netns = "/var/run/netns/p", PodInterface = "eth0", Status = "ready",
        };
        var (id, ns, labels, ip) = Assert.Single(ServiceEndpointSync.ToBackends([model, model with { Id = 10, Ipv4 = null }]));
        Assert.Equal((9u, "ns", IPAddress.Parse("10.244.0.9")), (id, ns, ip));
        Assert.Equal("a=b", labels["k8s:app"]);
    }

    private static List<string> Backends(ServiceManager services) =>
        [.. services.Get("default", "deathstar")!.Frontends[0].Backends.Select(b => b.Ip.ToString())];

    private static void Create(EndpointManager endpoints, string name, string ip, params string[] labels) =>
        endpoints.Create(new EndpointCreateRequest
        {
            ContainerId = "c-" + name,
            Name = name,
            Namespace = "default",
            Labels = labels,
            Ipv4 = ip,
            HostInterface = "lxc-" + name[..3],
            Ifindex = 1,
            Netns = "/var/run/netns/" + name,
            PodInterface = "eth0",
        });
}
