using System.Net;
using CiliumL7.Agent.Services;
using CiliumL7.Datapath.Tests;
using CiliumL7.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Agent.Tests;

/// <summary>
/// Services whose backends come from Kubernetes EndpointSlices, in the real socket LB maps:
/// the slices' ports are matched by name, and an agent restart keeps the pinned backends
/// until the first list of EndpointSlices (no window where the ClusterIP refuses connects).
/// </summary>
public sealed class ServicesEndpointSlicesTests
{
    [SkippableFact]
    public void EndpointSlicesSynced_AfterRestart_MapsKeepTheBackendsUntilTheFirstList()
    {
        Privileged.Require();
        using var bpffs = new ServicesBpfFs();
        var stateDir = Directory.CreateTempSubdirectory("cl7svc-slices").FullName;
        var objDir = Path.GetDirectoryName(ServicesBpfObject.Path)!;
        var spec = new ServiceSpec
        {
            Name = "deathstar",
            Vip = IPAddress.Parse("10.96.5.5"),
            Ports = [new ServicePort { Name = "http", Port = 80 }],
            BackendSource = ServiceBackendSource.EndpointSlices,
        };
        EndpointSliceBackend[] slices = [new(IPAddress.Parse("10.244.5.10"), "http", 8080, "TCP"), new(IPAddress.Parse("10.244.5.11"), "other", 9000, "TCP")];
        try
        {
            using (var services = ServiceSubsystem.Start(objDir, bpffs.Root, stateDir, IPNetwork.Parse("10.96.0.0/16"), NullLoggerFactory.Instance))
            {
                services.ExpectEndpointSlices();
                services.OnEndpointsChanged([]);
                services.Upsert(spec);
                Assert.Empty(services.DatapathStatus().Frontends); // nothing known yet: nothing written
                services.SetEndpointSliceBackends("default", "deathstar", slices);
                services.EndpointSlicesSynced();
                Assert.Equal(["10.244.5.10:8080"], Backends(services));
            }

            // The agent restarts: the state restores the service, the endpoints come first (forcing a rewrite
            // of every frontend); the EndpointSlice list has not arrived, so the pinned backends stay.
            using (var restarted = ServiceSubsystem.Start(objDir, bpffs.Root, stateDir, IPNetwork.Parse("10.96.0.0/16"), NullLoggerFactory.Instance))
            {
                restarted.ExpectEndpointSlices();
                restarted.OnEndpointsChanged([]);
                Assert.Equal(["10.244.5.10:8080"], Backends(restarted));

                restarted.SetEndpointSliceBackends("default", "deathstar", [new(IPAddress.Parse("10.244.5.12"), "http", 8080, "TCP")]);
                Assert.Equal(["10.244.5.10:8080"], Backends(restarted));
                restarted.EndpointSlicesSynced();
                Assert.Equal(["10.244.5.12:8080"], Backends(restarted));
                restarted.SetEndpointSliceBackends("default", "deathstar", []);
                Assert.Equal([], Backends(restarted));
            }
        }
        finally
        {
            ServiceSubsystem.Cleanup(bpffs.Root, stateDir);
            Directory.Delete(stateDir, recursive: true);
        }
    }

    private static List<string> Backends(ServiceManager services) =>
        [.. services.DatapathStatus().Frontends.Single().Backends.Select(b => $"{b.Ip}:{b.Port}")];
}
