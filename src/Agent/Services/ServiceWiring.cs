using System.Net;
using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Logging;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Services;

/// <summary>
/// Starts the services subsystem (socket LB) and keeps it fed with the
/// endpoints: pod netns registered/unregistered for hosts files, backends
/// recomputed after every endpoint change (clustered: the other nodes' pods too). When the socket LB cannot be
/// installed, services are kept in memory only (logged).
/// </summary>
internal static class ServiceWiring
{
    public static ServiceManager Start(AgentOptions options, EndpointManager endpoints, ILoggerFactory loggers, L7.RemotePeers? remote = null)
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
            Log.SocketLbUnavailable(logger, e);
            services = new ServiceManager(cidr, stateFile: Path.Combine(options.StateDir, ServiceSubsystem.StateFileName), logger: loggers.CreateLogger<ServiceManager>());
        }
        ServiceEndpointSync.Attach(endpoints, services, remote); // syncs now and on every endpoint (and, clustered, remote pod) change
        return services;
    }
}
