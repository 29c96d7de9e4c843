using System.Net;
using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Client.Models;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Services;

/// <summary>
/// Starts the services subsystem (socket LB) and keeps it fed with the
/// endpoints: pod netns registered/unregistered for hosts files, backends
/// recomputed after every endpoint change. When the socket LB cannot be
/// installed, services are kept in memory only (logged).
/// </summary>
internal static class ServiceWiring
{
    public static ServiceManager Start(AgentOptions options, EndpointManager endpoints, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("CiliumL7.Agent.Services");
        var cidr = IPNetwork.Parse(options.ServiceCidr);
        ServiceManager services;
        try
        {
            services = ServiceSubsystem.Start(options.BpfDir, options.BpfRoot, options.StateDir, cidr, loggers);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or DllNotFoundException)
        {
            logger.LogWarning(e, "Socket load balancer not installed; services are kept without a datapath");
            services = new ServiceManager(cidr, stateFile: Path.Combine(options.StateDir, ServiceSubsystem.StateFileName), logger: loggers.CreateLogger<ServiceManager>());
        }
        var known = new Dictionary<int, EndpointModel>();
        void Sync()
        {
            var list = endpoints.List();
            lock (known)
            {
                foreach (var e in list)
                {
                    if (!known.ContainsKey(e.Id))
                    {
                        services.AddPodNetns(e.Netns, e.Namespace);
                    }
                }
                foreach (var gone in known.Values.Where(k => !list.Any(e => e.Id == k.Id && e.Netns == k.Netns)).ToList())
                {
                    services.RemovePodNetns(gone.Netns);
                    known.Remove(gone.Id);
                }
                foreach (var e in list)
                {
                    known[e.Id] = e;
                }
            }
            services.OnEndpointsChanged([.. list.Where(e => e.Ipv4 is not null).Select(e => ((uint)e.Id, e.Namespace, K8sLabels(e.Labels), IPAddress.Parse(e.Ipv4!)))]);
        }
        Sync();
        endpoints.Changed += Sync;
        return services;
    }

    private static IReadOnlyDictionary<string, string> K8sLabels(IEnumerable<string> labels)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in labels)
        {
            if (!label.StartsWith("k8s:", StringComparison.Ordinal))
            {
                continue;
            }
            var eq = label.IndexOf('=', StringComparison.Ordinal);
            map[eq < 0 ? label[4..] : label[4..eq]] = eq < 0 ? "" : label[(eq + 1)..];
        }
        return map;
    }
}
