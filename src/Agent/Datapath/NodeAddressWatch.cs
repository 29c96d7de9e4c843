using CiliumL7.Agent.Regeneration;
using Microsoft.Extensions.Hosting;

namespace CiliumL7.Agent.Datapath;

/// <summary>
/// Every two seconds, reads the node's addresses again (<see cref="NodeAddresses"/>); a change regenerates,
/// which writes them to the ipcache as identity host (an address added after the start, or removed).
/// </summary>
internal sealed class NodeAddressWatch(NodeAddresses addresses, PolicyRegenerator regenerator) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (addresses.Refresh())
                {
                    regenerator.Trigger();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
