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
}
