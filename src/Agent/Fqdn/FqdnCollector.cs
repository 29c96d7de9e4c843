using CiliumL7.Agent.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Fqdn;

/// <summary>Runs <see cref="FqdnManager.Collect"/> every <see cref="FqdnOptions.CollectInterval"/>: expiry, zombies, persistence.</summary>
internal sealed class FqdnCollector(FqdnManager fqdn, FqdnOptions options, ILogger<FqdnCollector> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CollectInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    fqdn.Collect();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Log.FqdnCollectFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        fqdn.Persist();
    }
}
