using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// Kestrel serves only HTTP/1.1 on a cleartext <c>Http1AndHttp2</c> endpoint
/// (no ALPN), so each listener has a second, HTTP/2-only endpoint fed in-process.
/// This connection middleware of the socket endpoint peeks at the first bytes
/// (nothing is consumed): the HTTP/2 client preface sends the connection to the
/// HTTP/2 endpoint, anything else continues as HTTP/1.1.
/// <code>
/// socket ─► ProtocolSniffer ─┬─ "PRI * HTTP/2.0…" ─► HandoffConnectionListener ─► Kestrel HTTP/2
///                            └─ anything else ─────► Kestrel HTTP/1.1
/// </code>
/// </summary>
internal sealed class ProtocolSniffer(HandoffConnectionListener http2, TimeSpan timeout)
{
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        bool isHttp2;
        using (var deadline = new CancellationTokenSource(timeout))
        {
            try
            {
                isHttp2 = await StartsWithPrefaceAsync(connection, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                connection.Abort(new ConnectionAbortedException("no request within the header timeout"));
                return;
            }
            catch (Exception e) when (e is ConnectionResetException or IOException)
            {
                return; // the client reset before its first bytes were judged: normal, not a failure to log
            }
        }
        if (!isHttp2)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }
        var lent = new HandoffConnection(connection);
        if (!http2.TryHandOff(lent))
        {
            connection.Abort(new ConnectionAbortedException("listener is stopping"));
            return;
        }
        await lent.Returned.ConfigureAwait(false);
    }

    private static async Task<bool> StartsWithPrefaceAsync(ConnectionContext connection, CancellationToken cancellationToken)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var verdict = Match(buffer);
            if (verdict != 0 || result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                return verdict > 0;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>1 = full preface, -1 = not the preface, 0 = a prefix of it so far.</summary>
    private static int Match(System.Buffers.ReadOnlySequence<byte> buffer)
    {
        Span<byte> head = stackalloc byte[24];
        var length = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, length).CopyTo(head);
        if (!Preface[..length].SequenceEqual(head[..length]))
        {
            return -1;
        }
        return length == Preface.Length ? 1 : 0;
    }
}
