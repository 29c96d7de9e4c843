using CiliumL7.Agent.L7;
using CiliumL7.Agent.Logging;
using CiliumL7.Agent.Regeneration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Memory;

/// <summary>
/// Gives the GC's free memory back to the system once the agent has gone quiet. The GC
/// only decommits during a collection, and an idle process does not collect: after a
/// burst (start-up, a large policy, a load peak, thousands of connections that then sit
/// idle) the agent kept its peak committed heap for good. Every <see cref="Interval"/>
/// this compares an activity count (proxy requests of every kind + collections); after a
/// whole interval without any, if the GC holds at least <see cref="MinSlackBytes"/> more
/// than the live heap, one aggressive (compacting, decommitting) collection runs — once,
/// until there has been activity again. Never while requests flow, so it adds no pause
/// to a loaded proxy.
/// </summary>
internal sealed class IdleMemoryTrimmer : BackgroundService
{
    /// <summary>How often activity is compared; quiet = one whole interval without any.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Committed beyond the live heap below which a collection is not worth its pause.</summary>
    public const long MinSlackBytes = 8L << 20;

    private readonly Func<long> _activity;
    private readonly Func<(long Committed, long Live)> _memory;
    private readonly Action _trim;
    private readonly ILogger? _logger;
    private long _last = -1;
    private bool _trimmed;

    public IdleMemoryTrimmer(IProxyIntegration proxy, ILoggerFactory loggers)
        : this(() => Activity(proxy), ReadMemory, Trim, loggers.CreateLogger("CiliumL7.Agent.Memory"))
    {
    }

    internal IdleMemoryTrimmer(Func<long> activity, Func<(long Committed, long Live)> memory, Action trim, ILogger? logger = null)
    {
        _activity = activity;
        _memory = memory;
        _trim = trim;
        _logger = logger;
    }

    /// <summary>One comparison; true when it trimmed.</summary>
    internal bool Tick()
    {
        var now = _activity();
        if (now != _last)
        {
            _last = now; // busy during the last interval: wait for a quiet one
            _trimmed = false;
            return false;
        }
        if (_trimmed)
        {
            return false;
        }
        _trimmed = true;
        var (committed, live) = _memory();
        if (committed - live < MinSlackBytes)
        {
            return false;
        }
        _trim();
        _last = _activity(); // the trim's own collection is not activity
        if (_logger is not null)
        {
            var after = _memory();
            Log.IdleTrim(_logger, committed >> 20, after.Committed >> 20, after.Live >> 20);
        }
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Tick();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static long Activity(IProxyIntegration proxy)
    {
        long requests = 0;
        if (proxy is L7ProxyIntegration l7)
        {
            foreach (var counters in l7.Counters.All)
            {
                requests += counters.Snapshot().Received;
            }
        }
        return requests + GC.CollectionCount(0);
    }

    // As of the last collection; before the first one (start-up garbage) only what is
    // allocated now tells how much a collection could give back.
    private static (long Committed, long Live) ReadMemory()
    {
        var info = GC.GetGCMemoryInfo();
        return (Math.Max(info.TotalCommittedBytes, GC.GetTotalMemory(forceFullCollection: false)), info.HeapSizeBytes);
    }

    private static void Trim() => GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
