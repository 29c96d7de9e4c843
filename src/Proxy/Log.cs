using System.Net;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Proxy;

/// <summary>Every log message of the proxy, with its event id (1xxx).</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "L7 proxy listener started on port {ProxyPort} for endpoint {EndpointId} {Direction} port {Port}")]
    public static partial void ListenerStarted(ILogger logger, ushort proxyPort, uint endpointId, Policy.TrafficDirection direction, ushort port);

    [LoggerMessage(1002, LogLevel.Information, "L7 proxy listener on port {ProxyPort} stopped")]
    public static partial void ListenerStopped(ILogger logger, ushort proxyPort);

    [LoggerMessage(1003, LogLevel.Debug, "Rejected request from {Client} on proxy port {ProxyPort}: {Reason}")]
    public static partial void RequestRejected(ILogger logger, IPEndPoint client, ushort proxyPort, Http.CanonicalizeError reason);

    [LoggerMessage(1004, LogLevel.Debug, "Upstream {Destination} failed: {Error}")]
    public static partial void UpstreamFailed(ILogger logger, string destination, Yarp.ReverseProxy.Forwarder.ForwarderError error, Exception? exception);

    [LoggerMessage(1006, LogLevel.Warning, "IPv6 is not available: proxy port {ProxyPort} listens on IPv4 only")]
    public static partial void Ipv6Unavailable(ILogger logger, ushort proxyPort);

    [LoggerMessage(1008, LogLevel.Debug, "Fast path upstream {Destination} failed: {Reason}")]
    public static partial void FastPathUpstreamFailed(ILogger logger, IPEndPoint destination, string reason);

    [LoggerMessage(1007, LogLevel.Warning, "proxy port {ProxyPort}: listener not registered for sk_lookup; a client reusing its port while the proxy holds its previous connection in TIME_WAIT stalls until a SYN retransmit")]
    public static partial void ListenerRegistrationFailed(ILogger logger, ushort proxyPort, Exception exception);

    [LoggerMessage(1009, LogLevel.Debug, "Client connection on proxy port {ProxyPort} ended by the client ({Reason})")]
    public static partial void ClientConnectionReset(ILogger logger, ushort proxyPort, string reason);

    [LoggerMessage(1005, LogLevel.Debug, "L7 proxy policy snapshot replaced")]
    public static partial void PolicyReplaced(ILogger logger);

    [LoggerMessage(1101, LogLevel.Debug, "DNS query from {Client} on proxy port {ProxyPort} not forwarded: {Reason}")]
    public static partial void DnsRejected(ILogger logger, System.Net.IPEndPoint client, ushort proxyPort, string reason);

    [LoggerMessage(1102, LogLevel.Debug, "DNS server {Server} failed: {Error} (SERVFAIL to the client)")]
    public static partial void DnsUpstreamFailed(ILogger logger, System.Net.IPEndPoint server, string error);

    [LoggerMessage(1103, LogLevel.Warning, "toFQDNs learning of {Name} took longer than {MaxDelayMs} ms: the pod got SERVFAIL (the answer is never released before the datapath allows it)")]
    public static partial void DnsLearnSlow(ILogger logger, string name, double maxDelayMs);

    [LoggerMessage(1104, LogLevel.Warning, "toFQDNs learning of {Name} failed: the pod got SERVFAIL")]
    public static partial void DnsLearnFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(1105, LogLevel.Warning, "DNS proxy port {ProxyPort}: receive failed")]
    public static partial void DnsReceiveFailed(ILogger logger, ushort proxyPort, Exception exception);

    [LoggerMessage(1030, LogLevel.Debug, "Kafka upstream {Destination} failed: {Reason}")]
    public static partial void KafkaUpstreamFailed(ILogger logger, IPEndPoint destination, string reason);

    [LoggerMessage(1031, LogLevel.Debug, "Kafka connection from {Client} closed by the proxy: {Reason}")]
    public static partial void KafkaConnectionClosed(ILogger logger, IPEndPoint client, string reason);
}
