using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace CiliumL7.Proxy.Transport;

/// <summary>A connection listener fed in-process (by <see cref="ProtocolSniffer"/>) instead of by a socket.</summary>
internal sealed class HandoffConnectionListener(EndPoint endPoint) : IConnectionListener
{
    private readonly Channel<ConnectionContext> _queue = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = false });

    public EndPoint EndPoint { get; } = endPoint;

    /// <summary>Queues a connection; false when the listener is unbound.</summary>
    public bool TryHandOff(ConnectionContext connection) => _queue.Writer.TryWrite(connection);

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => CloseAsync();

    public ValueTask DisposeAsync() => CloseAsync();

    /// <summary>Stops taking connections; those handed off but never accepted are aborted and returned to their owner.</summary>
    private async ValueTask CloseAsync()
    {
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var orphan))
        {
            orphan.Abort(new ConnectionAbortedException("proxy listener stopped"));
            await orphan.DisposeAsync().ConfigureAwait(false);
        }
    }
}
