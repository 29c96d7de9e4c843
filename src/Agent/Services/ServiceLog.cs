using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Services;

/// <summary>Log messages of the service load balancer (event ids 5100-5199).</summary>
internal static partial class ServiceLog
{
    [LoggerMessage(5100, LogLevel.Information, "Service {Namespace}/{Name} {Action}: VIP {Vip}, {Frontends} frontend(s)")]
    public static partial void ServiceChanged(ILogger logger, string @namespace, string name, string action, string vip, int frontends);

    [LoggerMessage(5101, LogLevel.Information, "Service {Namespace}/{Name} deleted (VIP {Vip})")]
    public static partial void ServiceDeleted(ILogger logger, string @namespace, string name, string vip);

    [LoggerMessage(5102, LogLevel.Information, "Frontend {Frontend} of {Namespace}/{Name} now has {Count} backend(s)")]
    public static partial void BackendsChanged(ILogger logger, string frontend, string @namespace, string name, int count);

    [LoggerMessage(5103, LogLevel.Error, "Writing frontend {Frontend} to the socket LB maps failed; the previous backends stay in force")]
    public static partial void MapWriteFailed(ILogger logger, string frontend, Exception error);

    [LoggerMessage(5104, LogLevel.Warning, "Cannot write the hosts file for network namespace {Netns}")]
    public static partial void HostsWriteFailed(ILogger logger, string netns, Exception error);

    [LoggerMessage(5105, LogLevel.Warning, "Service state file {Path} is unreadable; starting without saved services")]
    public static partial void StateUnreadable(ILogger logger, string path, Exception error);

    [LoggerMessage(5106, LogLevel.Information, "Removed stale socket LB frontend {Frontend} (not a known service)")]
    public static partial void StaleFrontendRemoved(ILogger logger, string frontend);

    [LoggerMessage(5107, LogLevel.Warning, "Cannot read the cookie of network namespace {Netns}; its sockets will not be load-balanced")]
    public static partial void NetnsUnknown(ILogger logger, string netns, Exception error);

    [LoggerMessage(5108, LogLevel.Warning, "Socket load balancer not installed; services are kept without a datapath (VIPs will not answer)")]
    public static partial void SocketLbUnavailable(ILogger logger, Exception error);
}
