using System.Net;
using CiliumL7.Datapath.Services;
using CiliumL7.TestSupport;

namespace CiliumL7.Datapath.Tests;

/// <summary>LoadBalancerMaps against the real pinned maps (loaded, not attached).</summary>
public sealed class ServicesLoadBalancerMapsTests
{
    private static readonly LbFrontend Web = new(IPAddress.Parse("10.96.0.10"), 80, LbProtocol.Tcp);
    private static readonly LbFrontend Dns = new(IPAddress.Parse("10.96.0.53"), 53, LbProtocol.Udp);
    private static readonly LbBackend A = new(IPAddress.Parse("10.244.0.11"), 8080);
    private static readonly LbBackend B = new(IPAddress.Parse("10.244.0.12"), 8080);
    private static readonly LbBackend C = new(IPAddress.Parse("10.244.0.13"), 8080);

    [SkippableFact]
    public void UpsertService_ShrinkAndDelete_LeavesNoStaleSlotsOrBackends()
    {
        Privileged.Require();
        using var bpffs = new ServicesBpfFs();
        try
        {
            LoadOnly(bpffs.Root);
            using var maps = LoadBalancerMaps.Open(bpffs.Root);
            maps.UpsertService(Web, 1, [A, B, C]);
            maps.UpsertService(Dns, 2, [new LbBackend(A.Address, 53)]);
            Assert.Equal(4 + 2, Entries(bpffs.Root, LoadBalancerMaps.ServiceMapName));
            Assert.Equal(4, Entries(bpffs.Root, LoadBalancerMaps.BackendMapName));

            // A slot beyond the count (as a crash between steps could leave) is swept by the next shrink.
            ServicesShell.Ok("bpftool", "map", "update", "pinned", Path.Combine(bpffs.Root, LoadBalancerMaps.ServiceMapName),
                "key", "hex", "0a", "60", "00", "0a", "00", "50", "04", "00", "06", "00", "00", "00",
                "value", "hex", "01", "00", "00", "00", "00", "00", "00", "00", "00", "00", "00", "00");
            Assert.Equal(4 + 2 + 1, Entries(bpffs.Root, LoadBalancerMaps.ServiceMapName));

            maps.UpsertService(Web, 1, [C]);
            var web = Assert.Single(maps.ListServices(), s => s.Frontend == Web);
            Assert.Equal([C], web.Backends);
            Assert.Equal(2 + 2, Entries(bpffs.Root, LoadBalancerMaps.ServiceMapName));
            Assert.Equal(2, Entries(bpffs.Root, LoadBalancerMaps.BackendMapName));

            maps.DeleteService(Web);
            maps.DeleteService(Dns);
            Assert.Empty(maps.ListServices());
            Assert.Equal(0, Entries(bpffs.Root, LoadBalancerMaps.ServiceMapName));
            Assert.Equal(0, Entries(bpffs.Root, LoadBalancerMaps.BackendMapName));
        }
        finally
        {
            SocketLbLoader.Uninstall(bpffs.Root);
        }
    }

    [SkippableFact]
    public void Open_AfterRestart_RestoresBackendIdsAndSharesThem()
    {
        Privileged.Require();
        using var bpffs = new ServicesBpfFs();
        try
        {
            LoadOnly(bpffs.Root);
            using (var first = LoadBalancerMaps.Open(bpffs.Root))
            {
                first.UpsertService(Web, 1, [A, B]);
            }
            using var second = LoadBalancerMaps.Open(bpffs.Root);
            var restored = Assert.Single(second.ListServices());
            Assert.Equal(Web, restored.Frontend);
            Assert.Equal(1, restored.RevNatIndex);
            Assert.Equal([A, B], restored.Backends);

            // A second frontend on the same backends shares their ids; dropping the first keeps them.
            var alt = Web with { Port = 8080 };
            second.UpsertService(alt, 2, [B, A]);
            Assert.Equal(2, Entries(bpffs.Root, LoadBalancerMaps.BackendMapName));
            second.DeleteService(Web);
            Assert.Equal(2, Entries(bpffs.Root, LoadBalancerMaps.BackendMapName));
            Assert.Equal([B, A], Assert.Single(second.ListServices()).Backends);
        }
        finally
        {
            SocketLbLoader.Uninstall(bpffs.Root);
        }
    }

    /// <summary>Loads sock-lb.o with its maps pinned, without attaching (bpftool creates no links).</summary>
    private static void LoadOnly(string root)
    {
        Directory.CreateDirectory(root);
        var progs = Path.Combine(root, "progs");
        ServicesShell.Ok("bpftool", "prog", "loadall", ServicesBpfObject.Path, progs, "pinmaps", root);
        foreach (var p in Directory.GetFiles(progs))
        {
            File.Delete(p);
        }
        Directory.Delete(progs);
    }

    private static int Entries(string root, string map)
    {
        var json = ServicesShell.Ok("bpftool", "-j", "map", "dump", "pinned", Path.Combine(root, map));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetArrayLength();
    }
}
