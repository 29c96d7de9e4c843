using System.Threading.Channels;
using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Policies;

/// <summary>
/// Watches the policy directory (FileSystemWatcher, plus a periodic rescan as
/// the fallback for missed or coalesced events) and feeds <see cref="PolicyStore"/>.
/// </summary>
internal sealed class PolicyDirectoryWatcher : BackgroundService
{
    private readonly AgentOptions _options;
    private readonly PolicyStore _store;
    private readonly ILogger _logger;
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public PolicyDirectoryWatcher(AgentOptions options, PolicyStore store, ILogger<PolicyDirectoryWatcher> logger)
    {
        _options = options;
        _store = store;
        _logger = logger;
    }

    /// <summary>Scans once, synchronously (used at startup so the first regeneration sees the files).</summary>
    public void ScanNow()
    {
        try
        {
            foreach (var e in _store.ScanDirectory(_options.PolicyDir))
            {
                if (e.Deleted)
                {
                    Log.PolicyFileRemoved(_logger, e.Path);
                }
                else if (e.Accepted)
                {
                    Log.PolicyFileAccepted(_logger, e.Path, e.Resources);
                }
                else
                {
                    Log.PolicyFileRejected(_logger, e.Path, e.Resources, string.Join('\n', e.Errors));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.PolicyScanFailed(_logger, e);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = CreateWatcher();
            var period = TimeSpan.FromSeconds(_options.PolicyRescanSeconds);
            while (!stoppingToken.IsCancellationRequested)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(period);
                try
                {
                    await _signal.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
                    _signal.Reader.TryRead(out _);
                    await Task.Delay(100, stoppingToken).ConfigureAwait(false); // let the writer finish
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
                watcher ??= CreateWatcher(); // the directory may appear later
                ScanNow();
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            watcher?.Dispose();
        }
    }

    private FileSystemWatcher? CreateWatcher()
    {
        if (!Directory.Exists(_options.PolicyDir))
        {
            return null;
        }
        var watcher = new FileSystemWatcher(_options.PolicyDir) { IncludeSubdirectories = false };
        FileSystemEventHandler poke = (_, _) => _signal.Writer.TryWrite(true);
        watcher.Changed += poke;
        watcher.Created += poke;
        watcher.Deleted += poke;
        watcher.Renamed += (_, _) => _signal.Writer.TryWrite(true);
        watcher.EnableRaisingEvents = true;
        return watcher;
    }
}
