using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Logging;
using CiliumL7.Agent.Services;
using CiliumL7.Datapath;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Datapath;

/// <summary>
/// Every two seconds, checks that every map and program pin of the datapath is still in bpffs and re-creates
/// the missing ones from the live objects. Enforcement never depends on the pins (the loaded programs hold their
/// maps), but <c>bpftool</c>, the CLI and the next agent start do: a removed pin is repaired and reported
/// (log warning, <c>status</c> shows it), and one that cannot be repaired is an error there, never silence.
/// </summary>
internal sealed class PinWatch(INodeDatapath datapath, ServiceManager services, AgentOptions options, ILogger<PinWatch> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var failing = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var repaired = datapath.RepairPins(services.RepairPins);
                    if (repaired.Count > 0)
                    {
                        Log.PinsRepaired(logger, options.BpfRoot, string.Join(", ", repaired));
                    }
                    failing = false;
                }
                catch (Exception e) when (e is DatapathException or IOException or UnauthorizedAccessException)
                {
                    if (!failing)
                    {
                        Log.PinRepairFailed(logger, options.BpfRoot, e); // once per outage, not every two seconds
                    }
                    failing = true;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
