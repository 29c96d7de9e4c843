using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Logging;

/// <summary>Every log line of the agent, in one place (event ids 1xxx agent, 2xxx endpoints, 3xxx policy, 4xxx datapath, 50xx proxy, 51xx services).</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "ciliuml7-agent starting on node {NodeName}: state {StateDir}, bpf root {BpfRoot}, policies {PolicyDir}, pod CIDR {PodCidr}")]
    public static partial void Starting(ILogger logger, string nodeName, string stateDir, string bpfRoot, string policyDir, string podCidr);

    [LoggerMessage(1001, LogLevel.Information, "Restored state: {Endpoints} endpoints, {Identities} identities, {Allocations} IP allocations, {Policies} imported policies")]
    public static partial void Restored(ILogger logger, int endpoints, int identities, int allocations, int policies);

    [LoggerMessage(1002, LogLevel.Information, "API listening on unix://{Socket}")]
    public static partial void Listening(ILogger logger, string socket);

    [LoggerMessage(1009, LogLevel.Warning, "State restore: {Problem}")]
    public static partial void RestoreProblem(ILogger logger, string problem);

    [LoggerMessage(1003, LogLevel.Warning, "Node network setup incomplete: {Problem}")]
    public static partial void NodeSetupProblem(ILogger logger, string problem);

    [LoggerMessage(1004, LogLevel.Information, "Shutting down (datapath state is left in place)")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(2000, LogLevel.Information, "Endpoint {Id} created: {Namespace}/{Name} {Ipv4} on {Interface} (ifindex {Ifindex}), identity {Identity}")]
    public static partial void EndpointCreated(ILogger logger, int id, string @namespace, string name, string? ipv4, string @interface, int ifindex, long identity);

    [LoggerMessage(2001, LogLevel.Information, "Endpoint {Id} deleted: {Namespace}/{Name}")]
    public static partial void EndpointDeleted(ILogger logger, int id, string @namespace, string name);

    [LoggerMessage(2002, LogLevel.Information, "IP {Ip} allocated to {Owner}")]
    public static partial void IpAllocated(ILogger logger, string ip, string owner);

    [LoggerMessage(3000, LogLevel.Information, "Policy file {Path} accepted: {Count} resources")]
    public static partial void PolicyFileAccepted(ILogger logger, string path, int count);

    [LoggerMessage(3001, LogLevel.Error, "Policy file {Path} rejected ({KeptCount} resources of its last good version stay in force):\n{Errors}")]
    public static partial void PolicyFileRejected(ILogger logger, string path, int keptCount, string errors);

    [LoggerMessage(3002, LogLevel.Information, "Policy file {Path} removed")]
    public static partial void PolicyFileRemoved(ILogger logger, string path);

    [LoggerMessage(3003, LogLevel.Information, "Policy imported over the API: {Resources} (revision {Revision}, read and validated in {ValidateMs:F1} ms)")]
    public static partial void PolicyImported(ILogger logger, string resources, long revision, double validateMs);

    [LoggerMessage(3004, LogLevel.Warning, "Policy import rejected:\n{Errors}")]
    public static partial void PolicyImportRejected(ILogger logger, string errors);

    [LoggerMessage(3005, LogLevel.Information, "Policy deleted: {Count} resources (revision {Revision})")]
    public static partial void PolicyDeleted(ILogger logger, int count, long revision);

    [LoggerMessage(3006, LogLevel.Information, "Regenerated policy revision {Revision} for {Endpoints} endpoints: {Entries} map entries, {Redirects} proxy redirects in {TotalMs:F1} ms (resolve {ResolveMs:F1}, ipcache {IpcacheMs:F1}, proxy {ProxyMs:F1}, maps {MapsMs:F1})")]
    public static partial void Regenerated(ILogger logger, long revision, int endpoints, int entries, int redirects, double totalMs, double resolveMs, double ipcacheMs, double proxyMs, double mapsMs);

    [LoggerMessage(3007, LogLevel.Error, "Policy regeneration failed; the previous state stays in force")]
    public static partial void RegenerationFailed(ILogger logger, Exception exception);

    [LoggerMessage(3008, LogLevel.Warning, "Policy directory scan failed")]
    public static partial void PolicyScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(4000, LogLevel.Information, "Datapath: {Message}")]
    public static partial void DatapathInfo(ILogger logger, string message);

    [LoggerMessage(4001, LogLevel.Warning, "Datapath disabled: {Reason}")]
    public static partial void DatapathDisabled(ILogger logger, string reason);

    [LoggerMessage(4002, LogLevel.Error, "Datapath operation failed: {Operation}")]
    public static partial void DatapathFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(4003, LogLevel.Information, "Drop: {Reason} {Source} (identity {SourceIdentity}) -> {Destination} (identity {DestinationIdentity}) proto {Protocol} {Direction} endpoint {EndpointId}")]
    public static partial void Drop(ILogger logger, string reason, string source, long sourceIdentity, string destination, long destinationIdentity, int protocol, string? direction, int endpointId);

    [LoggerMessage(5000, LogLevel.Information, "Proxy: {Message}")]
    public static partial void ProxyInfo(ILogger logger, string message);

    [LoggerMessage(5001, LogLevel.Error, "Proxy operation failed: {Operation}")]
    public static partial void ProxyFailed(ILogger logger, string operation, Exception exception);

    // 51xx: services (VIP allocation, socket load balancer maps, pod hosts files)
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

    [LoggerMessage(1900, LogLevel.Warning, "bpffs pins under {Root} were removed while the agent runs; re-created from the live objects: {Names}")]
    public static partial void PinsRepaired(ILogger logger, string root, string names);

    [LoggerMessage(1901, LogLevel.Error, "bpffs pins under {Root} are missing and cannot be re-created; enforcement continues through the loaded programs, but tools and a restart will not find these maps")]
    public static partial void PinRepairFailed(ILogger logger, string root, Exception e);

    [LoggerMessage(6000, LogLevel.Warning, "Hubble: {Reason}; retrying with Observer TCP {Tcp}, metrics {Metrics}")]
    public static partial void HubbleListenerRetry(ILogger logger, string reason, string tcp, string metrics);

    [LoggerMessage(7000, LogLevel.Information, "KVStore: connected to etcd {Endpoint} (version {Version}), lease {Lease:x}, cluster {Cluster}, node {Node} at {NodeIp}")]
    public static partial void KvStoreConnected(ILogger logger, string endpoint, string version, long lease, string cluster, string node, string nodeIp);

    [LoggerMessage(7001, LogLevel.Warning, "KVStore: etcd {Endpoint} unreachable ({Reason}); enforcement goes on with the last known identities and ipcache; retrying")]
    public static partial void KvStoreUnreachable(ILogger logger, string endpoint, string reason);

    [LoggerMessage(7002, LogLevel.Information, "KVStore: node {Node} joined ({Ip}, pod CIDR {Cidr})")]
    public static partial void KvStoreNodeJoined(ILogger logger, string node, string ip, string cidr);

    [LoggerMessage(7003, LogLevel.Information, "KVStore: node {Node} left")]
    public static partial void KvStoreNodeLeft(ILogger logger, string node);

    [LoggerMessage(7004, LogLevel.Warning, "KVStore: {What} failed: {Reason}")]
    public static partial void KvStoreProblem(ILogger logger, string what, string reason);

    [LoggerMessage(7005, LogLevel.Information, "KVStore: identity garbage collection deleted {Count} unused identities")]
    public static partial void KvStoreIdentityGc(ILogger logger, int count);

    [LoggerMessage(7100, LogLevel.Warning, "FQDN cache: expiry/persistence pass failed (retried in a second)")]
    public static partial void FqdnCollectFailed(ILogger logger, Exception e);

    [LoggerMessage(7101, LogLevel.Information, "FQDN cache: {Entries} learned entries restored from the state directory")]
    public static partial void FqdnRestored(ILogger logger, int entries);

    [LoggerMessage(7200, LogLevel.Debug, "Idle: gave the GC's free memory back ({CommittedBeforeMb} MiB committed -> {CommittedAfterMb} MiB, {LiveMb} MiB live)")]
    public static partial void IdleTrim(ILogger logger, long committedBeforeMb, long committedAfterMb, long liveMb);
}
