using System.Net;
using CiliumL7.Agent.Services;
using CiliumL7.Datapath.Tests;
using CiliumL7.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Agent.Tests;

/// <summary>
/// The tutorial's service, end to end on this host: ServiceSubsystem attaches
/// sock-lb, the manager selects the two "deathstar" pods by label, writes the
/// client pod's /etc/netns hosts file, and curl run with 'ip netns exec'
/// reaches both replicas by name.
/// </summary>
public sealed class ServicesEndToEndTests
{
    [SkippableFact]
    public void Curl_ServiceNameFromClientPod_ResolvesToVipAndReachesBothSelectedReplicas()
    {
        Privileged.Require();
        using var net = new ServicesTestNet();
        using var b1 = new ServicesBackendServer(net.Backend1.Netns, "deathstar-1", net.Backend1.Ip, 8080);
        using var b2 = new ServicesBackendServer(net.Backend2.Netns, "deathstar-2", net.Backend2.Ip, 8080);
        using var decoy = new ServicesBackendServer(net.Decoy.Netns, "tiefighter", net.Decoy.Ip, 8080);
        using var bpffs = new ServicesBpfFs();
        var stateDir = Directory.CreateTempSubdirectory("cl7svc-state").FullName;
        var objDir = Path.GetDirectoryName(ServicesBpfObject.Path)!;
        try
        {
            using var services = ServiceSubsystem.Start(objDir, bpffs.Root, stateDir, IPNetwork.Parse("10.96.0.0/16"), NullLoggerFactory.Instance);
            var deathstar = new Dictionary<string, string> { ["k8s:org"] = "empire", ["k8s:class"] = "deathstar" };
            services.OnEndpointsChanged(
            [
                (101u, "default", deathstar, net.Backend1.Ip),
                (102u, "default", deathstar, net.Backend2.Ip),
                (103u, "default", new Dictionary<string, string> { ["k8s:org"] = "empire", ["k8s:class"] = "tiefighter" }, net.Decoy.Ip),
            ]);
            services.AddPodNetns("/var/run/netns/" + net.Client.Netns, "default");
            var info = services.Upsert(new ServiceSpec
            {
                Name = "deathstar",
                Ports = [new ServicePort { Port = 80, TargetPort = 8080 }],
                Selector = new Dictionary<string, string> { ["org"] = "empire", ["class"] = "deathstar" },
            });

            var datapath = services.DatapathStatus();
            Assert.Equal(["connect4", "connect6", "getpeername4", "getpeername6", "recvmsg4", "recvmsg6", "sendmsg4", "sendmsg6"], datapath.Hooks);
            Assert.Equal(
                new[] { CiliumL7.Datapath.Services.NetnsCookie.Current(), CiliumL7.Datapath.Services.NetnsCookie.Of("/var/run/netns/" + net.Client.Netns) }.Order(),
                datapath.ServedNetns);
            var inKernel = Assert.Single(datapath.Frontends);
            Assert.Equal(info.Vip + ":80", inKernel.Address);
            Assert.Equal([net.Backend1.Ip, net.Backend2.Ip], inKernel.Backends.Select(b => b.Ip));
            Assert.All(inKernel.Backends, b => Assert.Equal(8080, b.Port));

            var seen = new HashSet<string>();
            for (var i = 0; i < 16; i++)
            {
                var (code, stdout, stderr) = ServicesShell.Run("ip", "netns", "exec", net.Client.Netns,
                    "curl", "-s", "--max-time", "5", "-w", " %{remote_ip}", "http://deathstar.default.svc.cluster.local/");
                Assert.True(code == 0, "curl exited " + code + ": " + stderr);
                var parts = stdout.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(info.Vip.ToString(), parts[1]);
                seen.Add(parts[0]);
            }
            Assert.Subset(new HashSet<string> { "deathstar-1", "deathstar-2" }, seen);
            Assert.Empty(decoy.Peers);

            // Agent restart (a second Start on the same root and state dir, the first never cleaned up):
            // links upgraded in place, maps kept, services restored with the same VIP - no gap.
            using (var restarted = ServiceSubsystem.Start(objDir, bpffs.Root, stateDir, IPNetwork.Parse("10.96.0.0/16"), NullLoggerFactory.Instance))
            {
                Assert.Equal(info.Vip, restarted.Get("default", "deathstar")!.Vip);
                Assert.Equal(0, Curl(net).Code); // before the restarted manager saw any endpoint: pinned state serves
                Assert.Contains(CiliumL7.Datapath.Services.NetnsCookie.Of("/var/run/netns/" + net.Client.Netns), restarted.DatapathStatus().ServedNetns);
            }

            // Deleting the service removes the name: curl cannot resolve it (exit 6).
            services.Delete("default", "deathstar");
            Assert.Equal(6, Curl(net).Code);
        }
        finally
        {
            ServiceSubsystem.Cleanup(bpffs.Root, stateDir);
            Directory.Delete(stateDir, recursive: true);
        }
        Assert.False(Directory.Exists("/etc/netns/" + net.Client.Netns), "hosts file left behind");
        Assert.Empty(Directory.GetFileSystemEntries(bpffs.Root));
    }

    private static (int Code, string Out, string Err) Curl(ServicesTestNet net) =>
        ServicesShell.Run("ip", "netns", "exec", net.Client.Netns, "curl", "-s", "--max-time", "5", "http://deathstar.default.svc.cluster.local/");
}
