using System.Threading.Channels;
using CiliumL7.Hubble.Api.Peers;
using Grpc.Core;

namespace CiliumL7.Hubble.Services;

/// <summary>
/// Hubble's <c>peer.Peer</c> service. With an <see cref="IPeerSource"/> (a node of a
/// cluster) <c>Notify</c> first lists every node (PEER_ADDED), then streams joins
/// (PEER_ADDED), leaves (PEER_DELETED) and address changes (PEER_UPDATED) as
/// the source reports them; without one it announces this node alone and keeps
/// the stream open, as a single-node cluster would.
/// </summary>
public sealed class PeerService : Peer.PeerBase
{
    private readonly HubbleNode _node;
    private readonly IPeerSource? _source;
    private readonly CancellationToken _stopping;

    /// <summary>Announces <paramref name="node"/> alone; streams end when <paramref name="stopping"/> fires.</summary>
    public PeerService(HubbleNode node, CancellationToken stopping = default)
        : this(node, null, stopping)
    {
    }

    /// <summary>Announces <paramref name="source"/>'s nodes (or <paramref name="node"/> alone when null); streams end when <paramref name="stopping"/> fires.</summary>
    public PeerService(HubbleNode node, IPeerSource? source, CancellationToken stopping = default)
    {
        _node = node;
        _stopping = stopping;
        _source = source;
    }

    /// <inheritdoc/>
    public override async Task Notify(NotifyRequest request, IServerStreamWriter<ChangeNotification> responseStream, ServerCallContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopping);
        var ct = linked.Token;
        if (_source is null)
        {
            await responseStream.WriteAsync(new ChangeNotification { Name = _node.Name, Address = _node.Address, Type = ChangeNotificationType.PeerAdded }, ct).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Client disconnected or server stopping.
            }
            return;
        }
        var changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        void OnChanged() => changed.Writer.TryWrite(true);
        _source.Changed += OnChanged;
        try
        {
            var known = new Dictionary<string, string>(StringComparer.Ordinal);
            while (true)
            {
                var current = _source.Peers().ToDictionary(p => p.Name, p => p.Address, StringComparer.Ordinal);
                foreach (var (name, address) in current)
                {
                    if (!known.TryGetValue(name, out var old))
                    {
                        await responseStream.WriteAsync(new ChangeNotification { Name = name, Address = address, Type = ChangeNotificationType.PeerAdded }, ct).ConfigureAwait(false);
                    }
                    else if (old != address)
                    {
                        await responseStream.WriteAsync(new ChangeNotification { Name = name, Address = address, Type = ChangeNotificationType.PeerUpdated }, ct).ConfigureAwait(false);
                    }
                }
                foreach (var (name, address) in known)
                {
                    if (!current.ContainsKey(name))
                    {
                        await responseStream.WriteAsync(new ChangeNotification { Name = name, Address = address, Type = ChangeNotificationType.PeerDeleted }, ct).ConfigureAwait(false);
                    }
                }
                known = current;
                await changed.Reader.ReadAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Client disconnected or server stopping.
        }
        finally
        {
            _source.Changed -= OnChanged;
        }
    }
}
