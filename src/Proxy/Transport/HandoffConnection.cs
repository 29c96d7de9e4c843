using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// A socket connection lent to the HTTP/2 endpoint: same transport and
/// addresses, its own feature layer (so the second Kestrel endpoint's features
/// do not overwrite the first's), and a <see cref="DisposeAsync"/> that only
/// returns the connection to its owner (the sniffer), which disposes it.
/// </summary>
internal sealed class HandoffConnection(ConnectionContext inner) : ConnectionContext
{
    private readonly TaskCompletionSource _returned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Returned => _returned.Task;

    public override string ConnectionId
    {
        get => inner.ConnectionId;
        set => inner.ConnectionId = value;
    }

    public override IFeatureCollection Features { get; } = new FeatureCollection(inner.Features);

    public override IDictionary<object, object?> Items
    {
        get => inner.Items;
        set => inner.Items = value;
    }

    public override IDuplexPipe Transport
    {
        get => inner.Transport;
        set => inner.Transport = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => inner.LocalEndPoint;
        set => inner.LocalEndPoint = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => inner.RemoteEndPoint;
        set => inner.RemoteEndPoint = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => inner.ConnectionClosed;
        set => inner.ConnectionClosed = value;
    }

    public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

    public override void Abort() => inner.Abort();

#pragma warning disable CA2215 // deliberately not disposing: the owner (ProtocolSniffer's caller) disposes the real connection
    public override ValueTask DisposeAsync()
#pragma warning restore CA2215
    {
        _returned.TrySetResult();
        return ValueTask.CompletedTask;
    }
}
