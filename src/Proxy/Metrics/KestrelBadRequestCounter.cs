using Microsoft.Extensions.Logging;

namespace CiliumL7.Proxy.Metrics;

/// <summary>
/// Requests Kestrel refuses itself (malformed framing, obs-fold, 414, 431, …)
/// never reach the proxy's application, but Kestrel reports each one as the
/// <c>ConnectionBadRequest</c> event (id 17) of its
/// <c>Microsoft.AspNetCore.Server.Kestrel.BadRequests</c> logger. This logger
/// factory, given to each listener's Kestrel server, counts those events as
/// <c>parse_errors</c> and passes every log on unchanged.
/// </summary>
internal sealed class KestrelBadRequestCounter(ILoggerFactory inner, ProxyCounters counters) : ILoggerFactory
{
    private const string BadRequestsCategory = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";
    private const int ConnectionBadRequestEventId = 17;

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return string.Equals(categoryName, BadRequestsCategory, StringComparison.Ordinal)
            ? new CountingLogger(logger, counters)
            : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The inner factory belongs to the caller.
    }

    private sealed class CountingLogger(ILogger inner, ProxyCounters counters) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Debug || inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == ConnectionBadRequestEventId)
            {
                counters.ParseError();
            }
            if (inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
