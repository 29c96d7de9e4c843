using CiliumL7.Hubble.Api.Peers;
using Grpc.Core;

namespace CiliumL7.Hubble.Services;

/// <summary>
/// Hubble's <c>peer.Peer</c> service: announces this node (PEER_ADDED) and
/// keeps the stream open, as a single-node cluster would.
/// </summary>
public sealed class PeerService : Peer.PeerBase
{
    private readonly HubbleNode _node;

    /// <summary>Announces <paramref name="node"/>.</summary>
    public PeerService(HubbleNode node) => _node = node;

    /// <inheritdoc/>
    public override async Task Notify(NotifyRequest request, IServerStreamWriter<ChangeNotification> responseStream, ServerCallContext context)
    {
        await responseStream.WriteAsync(new ChangeNotification
        {
            Name = _node.Name,
            Address = _node.Address,
            Type = ChangeNotificationType.PeerAdded,
        }, context.CancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Client disconnected or server stopping.
        }
    }
}
