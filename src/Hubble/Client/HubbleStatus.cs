using System.Globalization;
using CiliumL7.Hubble.Api;
using Grpc.Core;

namespace CiliumL7.Hubble.Client;

/// <summary>
/// The Hubble line of <c>ciliuml7 status</c>, as Cilium prints it:
/// <c>Ok   Current/Max Flows: 6/4095 (0.15%), Flows/s: 0.10</c>.
/// </summary>
public static class HubbleStatus
{
    /// <summary>Formats a ServerStatus answer.</summary>
    public static string Format(ServerStatusResponse status)
    {
        var percent = status.MaxFlows == 0 ? 0 : 100.0 * status.NumFlows / status.MaxFlows;
        return string.Create(CultureInfo.InvariantCulture,
            $"Ok   Current/Max Flows: {status.NumFlows}/{status.MaxFlows} ({percent:F2}%), Flows/s: {status.FlowsRate:F2}");
    }

    /// <summary>Asks <paramref name="server"/> (unix:///… or host:port) and formats the answer, or "Unavailable: why".</summary>
    public static async Task<string> QueryAsync(string server, CancellationToken cancellationToken = default)
    {
        try
        {
            using var channel = HubbleChannel.Create(server);
            var client = new Observer.ObserverClient(channel);
            var status = await client.ServerStatusAsync(new ServerStatusRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return Format(status);
        }
        catch (RpcException e)
        {
            return "Unavailable: " + e.Status.Detail;
        }
    }
}
