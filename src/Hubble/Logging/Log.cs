using Microsoft.Extensions.Logging;

namespace CiliumL7.Hubble.Logging;

/// <summary>The project's log messages; event ids 6000-6099 (issue 6).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Hubble Observer API listening on {Addresses}")]
    public static partial void ServerListening(ILogger logger, string addresses);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Hubble metrics listening on port {Port}")]
    public static partial void MetricsListening(ILogger logger, int port);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "Flow export to {Path} fell behind the ring: {Lost} flows lost")]
    public static partial void ExportLost(ILogger logger, string path, long lost);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Error, Message = "Flow export to {Path} failed; retrying")]
    public static partial void ExportFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Information, Message = "Flow export file {Path} rotated")]
    public static partial void ExportRotated(ILogger logger, string path);

    [LoggerMessage(EventId = 6050, Level = LogLevel.Information, Message = "Hubble Relay listening on {Address}")]
    public static partial void RelayListening(ILogger logger, string address);

    [LoggerMessage(EventId = 6051, Level = LogLevel.Warning, Message = "Peer service {Address} unreachable or its stream ended ({Reason}); retrying in {Delay}")]
    public static partial void PeerServiceFailed(ILogger logger, string address, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 6052, Level = LogLevel.Information, Message = "Peer {Name} {Change} at {Address}")]
    public static partial void PeerChanged(ILogger logger, string name, string change, string address);

    [LoggerMessage(EventId = 6053, Level = LogLevel.Warning, Message = "Node {Name} ({Address}) unavailable: {Reason}; retrying in {Delay}")]
    public static partial void NodeUnavailable(ILogger logger, string name, string address, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 6054, Level = LogLevel.Information, Message = "Node {Name} ({Address}) connected")]
    public static partial void NodeConnected(ILogger logger, string name, string address);
}
