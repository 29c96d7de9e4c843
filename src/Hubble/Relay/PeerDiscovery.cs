using CiliumL7.Hubble.Api.Peers;
using CiliumL7.Hubble.Client;
using CiliumL7.Hubble.Logging;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Hubble.Relay;

/// <summary>
/// The relay's view of the cluster, from the agents' <c>peer.Peer/Notify</c>: the first answer
/// lists every node (PEER_ADDED), then joins, leaves and address changes stream in. When the
/// stream breaks, the nodes already known stay (their own connections say whether they are up)
/// and discovery moves to the next Peer service address, with backoff.
/// </summary>
internal sealed class PeerDiscovery : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);

    private readonly RelayOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, RelayPeer> _peers = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public PeerDiscovery(RelayOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>Raised after a node joined, left or moved.</summary>
    public event Action? Changed;

    /// <summary>True once a Peer service answered at least once.</summary>
    public bool Synced { get; private set; }

    /// <summary>The known nodes, ordered by name.</summary>
    public IReadOnlyList<RelayPeer> Peers()
    {
        lock (_gate)
        {
            return [.. _peers.Values.OrderBy(p => p.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>The node called <paramref name="name"/>, if still known.</summary>
    public RelayPeer? Find(string name)
    {
        lock (_gate)
        {
            return _peers.GetValueOrDefault(name);
        }
    }

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken ct)
    {
        var delay = FirstRetry;
        for (var attempt = 0; !ct.IsCancellationRequested; attempt++)
        {
            var address = _options.PeerServices[attempt % _options.PeerServices.Count];
            string reason;
            try
            {
                using var channel = HubbleChannel.Create(address);
                using var call = new Peer.PeerClient(channel).Notify(new NotifyRequest(), cancellationToken: ct);
                while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                {
                    Apply(call.ResponseStream.Current);
                    Synced = true;
                    delay = FirstRetry;
                }
                reason = "stream ended";
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException && ct.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (!ct.IsCancellationRequested)
            {
                reason = $"{e.StatusCode}: {e.Status.Detail}";
            }
            catch (InvalidOperationException e)
            {
                reason = e.Message;
            }
            Log.PeerServiceFailed(_logger, address, reason, delay);
            try
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.RetryTimeout.Ticks));
        }
    }

    private void Apply(ChangeNotification change)
    {
        if (change.Name.Length == 0)
        {
            return;
        }
        lock (_gate)
        {
            switch (change.Type)
            {
                case ChangeNotificationType.PeerAdded:
                case ChangeNotificationType.PeerUpdated:
                    if (change.Address.Length == 0)
                    {
                        return;
                    }
                    if (_peers.TryGetValue(change.Name, out var known))
                    {
                        if (known.Address == change.Address)
                        {
                            return;
                        }
                        known.UpdateAddress(change.Address);
                    }
                    else
                    {
                        _peers[change.Name] = new RelayPeer(change.Name, change.Address);
                    }
                    Log.PeerChanged(_logger, change.Name, "added", change.Address);
                    break;
                case ChangeNotificationType.PeerDeleted:
                    if (!_peers.Remove(change.Name, out var gone))
                    {
                        return;
                    }
                    gone.Dispose();
                    Log.PeerChanged(_logger, change.Name, "deleted", gone.Address);
                    break;
                case ChangeNotificationType.Unknown:
                    return;
                default:
                    return;
            }
        }
        Changed?.Invoke();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
        lock (_gate)
        {
            foreach (var peer in _peers.Values)
            {
                peer.Dispose();
            }
            _peers.Clear();
        }
        _stop.Dispose();
    }
}
