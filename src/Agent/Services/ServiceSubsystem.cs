using System.Net;
using CiliumL7.Datapath.Services;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Services;

/// <summary>
/// Agent glue for services: one call to start (attach sock-lb, open its
/// maps, restore services), one to clean up. The agent then feeds the
/// manager:
/// <code>
///   var services = ServiceSubsystem.Start(bpfObjDir, bpfRoot, stateDir, serviceCidr, loggerFactory);
///   ServiceApi.Map(app, services);
///   // after restoring endpoints, and after every endpoint create/delete/relabel:
///   services.AddPodNetns(endpoint.NetnsPath, endpoint.Namespace);   // create
///   services.RemovePodNetns(endpoint.NetnsPath);                      // delete
///   services.OnEndpointsChanged(allEndpoints);                        // (Id, Namespace, Labels, Ip)
///   // "ciliuml7-agent cleanup":
///   ServiceSubsystem.Cleanup(bpfRoot, stateDir);
/// </code>
/// </summary>
public static class ServiceSubsystem
{
    /// <summary>Object file name under the BPF object directory.</summary>
    public const string ObjectName = "sock-lb.o";

    /// <summary>State file name under the agent's state directory.</summary>
    public const string StateFileName = "services.json";

    /// <summary>
    /// Finds (or mounts under <paramref name="stateDir"/>) cgroup v2, installs or
    /// upgrades the socket LB under <paramref name="bpfRoot"/> (existing links and
    /// maps are kept: no connection sees a gap), opens its maps and returns the
    /// manager with the services saved in <c>&lt;stateDir&gt;/services.json</c>.
    /// </summary>
    /// <exception cref="IOException">cgroup2, bpffs, the object or the attach failed (message says which and how to fix).</exception>
    /// <param name="bpfObjectDir">Directory holding <c>sock-lb.o</c> (bin/bpf).</param>
    /// <param name="bpfRoot">The agent's bpffs root.</param>
    /// <param name="stateDir">The agent's state directory (services.json).</param>
    /// <param name="serviceCidr">VIP range.</param>
    /// <param name="loggers">Logger factory.</param>
    /// <param name="netnsEtcRoot">Where hosts files go (/etc/netns).</param>
    /// <param name="serveAllNamespaces">
    /// Translate sockets of every network namespace on the host. Default: only
    /// the agent's own namespace and the pods registered with
    /// <see cref="ServiceManager.AddPodNetns"/>, so several agents on one host
    /// never translate each other's pods.
    /// </param>
    public static ServiceManager Start(string bpfObjectDir, string bpfRoot, string stateDir, IPNetwork serviceCidr, ILoggerFactory loggers,
        string netnsEtcRoot = "/etc/netns", bool serveAllNamespaces = false)
    {
        var cgroup = CgroupV2.EnsureMounted(stateDir);
        var objectPath = Path.Combine(bpfObjectDir, ObjectName);
        var installation = SocketLbLoader.Install(objectPath, bpfRoot, cgroup);
        var maps = LoadBalancerMaps.Open(bpfRoot);
        maps.ServeNetns(NetnsCookie.Current());
        if (serveAllNamespaces)
        {
            maps.ServeNetns(NetnsCookie.Any);
        }
        else
        {
            maps.UnserveNetns(NetnsCookie.Any); // an earlier run may have served all
        }
        return new ServiceManager(serviceCidr, maps, new HostsFileWriter(netnsEtcRoot), Path.Combine(stateDir, StateFileName), loggers.CreateLogger<ServiceManager>())
        {
            BpfRoot = bpfRoot,
            ObjectPath = objectPath,
            CgroupPath = cgroup,
            LinkHooks = installation.Hooks,
        };
    }

    /// <summary>
    /// Removes everything services created: the socket LB's links (detached)
    /// and map pins, the hosts files of the pods recorded in the state file,
    /// the state file, and a cgroup2 mount made under the state directory.
    /// Idempotent; returns what was removed.
    /// </summary>
    public static IReadOnlyList<string> Cleanup(string bpfRoot, string stateDir, string netnsEtcRoot = "/etc/netns")
    {
        var removed = new List<string>(SocketLbLoader.Uninstall(bpfRoot));
        var stateFile = Path.Combine(stateDir, StateFileName);
        if (ServiceManager.ReadState(stateFile) is { } saved)
        {
            var hosts = new HostsFileWriter(netnsEtcRoot);
            foreach (var path in saved.PodNetns.Keys)
            {
                if (HostsFileWriter.NetnsName(path) is { } name && File.Exists(hosts.PathFor(name)))
                {
                    hosts.Remove(name);
                    removed.Add(hosts.PathFor(name));
                }
            }
        }
        if (File.Exists(stateFile))
        {
            File.Delete(stateFile);
            removed.Add(stateFile);
        }
        var ownCgroup = Path.Combine(stateDir, "cgroupv2");
        if (CgroupV2.FindMount() == Path.GetFullPath(ownCgroup) && CgroupV2.Unmount(ownCgroup))
        {
            removed.Add(ownCgroup);
        }
        return removed;
    }
}
