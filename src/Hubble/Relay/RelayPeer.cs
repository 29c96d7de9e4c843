using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using Grpc.Core;
using Grpc.Net.Client;

namespace CiliumL7.Hubble.Relay;

/// <summary>
/// One node the relay knows from the Peer service: its name, its Observer address and one
/// gRPC channel to it (HTTP/2 reconnects on its own; a new address gets a new channel).
/// </summary>
internal sealed class RelayPeer : IDisposable
{
    private readonly object _gate = new();
    private GrpcChannel? _channel;
    private Observer.ObserverClient? _client;

    public RelayPeer(string name, string address)
    {
        Name = name;
        Address = address;
    }

    public string Name { get; }

    public string Address { get; private set; }

    /// <summary>The client for the current address (the channel is created on first use).</summary>
    public Observer.ObserverClient Client
    {
        get
        {
            lock (_gate)
            {
                if (_client is null)
                {
                    _channel = HubbleChannel.Create(Address);
                    _client = new Observer.ObserverClient(_channel);
                }
                return _client;
            }
        }
    }

    /// <summary>Points the peer at a new address (PEER_UPDATED); the old channel is closed.</summary>
    public void UpdateAddress(string address)
    {
        lock (_gate)
        {
            if (address == Address)
            {
                return;
            }
            Address = address;
            _channel?.Dispose();
            _channel = null;
            _client = null;
        }
    }

    /// <summary>Asks the node for its status within <paramref name="timeout"/>; null when it does not answer (down, unreachable, too slow).</summary>
    public async Task<ServerStatusResponse?> TryStatusAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.ServerStatusAsync(new ServerStatusRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (InvalidOperationException) when (!cancellationToken.IsCancellationRequested)
        {
            // The address cannot be dialled at all (e.g. a malformed URI from the Peer service).
            return null;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _channel?.Dispose();
            _channel = null;
            _client = null;
        }
    }
}
