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
    private readonly CancellationToken _stopping;

    /// <summary>Announces <paramref name="node"/>; streams end when <paramref name="stopping"/> fires.</summary>
    public PeerService(HubbleNode node, CancellationToken stopping = default)
    {
        _node = node;
        _stopping = stopping;
    }

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
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopping);
            await Task.Delay(Timeout.Infinite, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Client disconnected or server stopping.
        }
    }
}
