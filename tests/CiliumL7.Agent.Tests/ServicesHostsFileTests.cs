using System.Net;
using CiliumL7.Agent.Services;

namespace CiliumL7.Agent.Tests;

public sealed class ServicesHostsFileTests
{
    private static readonly (string, string, IPAddress)[] Services =
    [
        ("deathstar", "default", IPAddress.Parse("10.96.0.1")),
        ("kafka", "other", IPAddress.Parse("10.96.0.2")),
    ];

    [Fact]
    public void Render_PodInDefault_ShortNamesOnlyForItsNamespace()
    {
        var text = HostsFileWriter.Render("cl7-tiefighter", "default", Services);
        Assert.Equal(
            "# Written by ciliuml7-agent for network namespace cl7-tiefighter: service names -> VIPs.\n"
            + "# 'ip netns exec cl7-tiefighter CMD' bind-mounts this file over /etc/hosts.\n"
            + "127.0.0.1\tlocalhost\n"
            + "::1\tlocalhost ip6-localhost ip6-loopback\n"
            + "10.96.0.1\tdeathstar.default.svc.cluster.local deathstar.default.svc deathstar.default deathstar\n"
            + "10.96.0.2\tkafka.other.svc.cluster.local kafka.other.svc kafka.other\n",
            text);
    }

    [Fact]
    public void Render_UnknownPodNamespace_ShortNameOncePerName()
    {
        var text = HostsFileWriter.Render("n", null, [.. Services, ("deathstar", "zeta", IPAddress.Parse("10.96.0.3"))]);
        Assert.Contains("10.96.0.2\tkafka.other.svc.cluster.local kafka.other.svc kafka.other kafka\n", text, StringComparison.Ordinal);
        Assert.Contains("10.96.0.3\tdeathstar.zeta.svc.cluster.local deathstar.zeta.svc deathstar.zeta\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/var/run/netns/cl7-xwing", "cl7-xwing")]
    [InlineData("/run/netns/cl7-xwing", "cl7-xwing")]
    [InlineData("cl7-xwing", "cl7-xwing")]
    [InlineData("/proc/42/ns/net", null)]
    public void NetnsName_CniNetnsPath_GivesTheIpNetnsName(string input, string? expected) =>
        Assert.Equal(expected, HostsFileWriter.NetnsName(input));

    [Fact]
    public void ServiceManager_PodNetnsAndServiceChanges_KeepHostsFilesCurrent()
    {
        var dir = Directory.CreateTempSubdirectory("cl7svc-etc");
        try
        {
            var root = Path.Combine(dir.FullName, "netns");
            var writer = new HostsFileWriter(root);
            var manager = new ServiceManager(IPNetwork.Parse(ServiceManager.DefaultServiceCidr), hosts: writer);
            manager.AddPodNetns("/var/run/netns/cl7-xwing", "default");
            var path = Path.Combine(root, "cl7-xwing", "hosts");
            Assert.DoesNotContain("deathstar", File.ReadAllText(path), StringComparison.Ordinal);

            var vip = manager.Upsert(new ServiceSpec { Name = "deathstar", Ports = [new ServicePort { Port = 80 }] }).Vip;
            Assert.Contains(vip + "\tdeathstar.default.svc.cluster.local ", File.ReadAllText(path), StringComparison.Ordinal);

            manager.Delete("default", "deathstar");
            Assert.DoesNotContain("deathstar", File.ReadAllText(path), StringComparison.Ordinal);

            manager.RemovePodNetns("cl7-xwing");
            Assert.False(Directory.Exists(root)); // nothing left, not even the (then empty) root
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
