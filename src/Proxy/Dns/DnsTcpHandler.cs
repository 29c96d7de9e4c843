using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using CiliumL7.Proxy.Transport;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// DNS over TCP (RFC 7766) on one client connection: messages framed by a two-byte
/// length, reassembled across segments, several per connection, answered in order.
/// A frame shorter than a header closes the connection (nothing forwarded); an idle
/// connection is closed after <see cref="ProxyOptions.DnsTcpIdleTimeout"/>.
/// </summary>
internal sealed class DnsTcpHandler(ProxyRedirect redirect, ProxyRuntime runtime) : IProxyConnectionHandler
{
    private readonly DnsQueryProcessor _processor = new(redirect, runtime);

    public async Task OnConnectionAsync(ProxyConnection connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var answer = ArrayPool<byte>.Shared.Rent(DnsQueryProcessor.MaxMessage + 2);
        try
        {
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
                idle.CancelAfter(runtime.Options.DnsTcpIdleTimeout);
                byte[] query;
                int length;
                try
                {
                    (query, length) = await ReadFrameAsync(input, idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                if (length < 0)
                {
                    return;
                }
                try
                {
                    var n = await _processor.ProcessAsync(query.AsMemory(0, length), connection.Client, connection.OriginalDestination, tcp: true, answer.AsMemory(2, DnsQueryProcessor.MaxMessage), connection.ConnectionClosed).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }
                    BinaryPrimitives.WriteUInt16BigEndian(answer, (ushort)n);
                    var flush = await output.WriteAsync(answer.AsMemory(0, n + 2), connection.ConnectionClosed).ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        return;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(query);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(answer);
        }
    }

    /// <summary>The next framed message (a pooled copy and its length); length -1 at the end or on a bad frame.</summary>
    private static async Task<(byte[] Query, int Length)> ReadFrameAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= 2)
            {
                var first = buffer.First.Span;
                var length = first.Length >= 2
                    ? BinaryPrimitives.ReadUInt16BigEndian(first)
                    : (ushort)((buffer.Slice(0, 1).FirstSpan[0] << 8) | buffer.Slice(1, 1).FirstSpan[0]);
                if (length < DnsMessageParser.HeaderLength)
                {
                    input.AdvanceTo(buffer.End);
                    return ([], -1);
                }
                if (buffer.Length >= 2 + length)
                {
                    var query = ArrayPool<byte>.Shared.Rent(length);
                    buffer.Slice(2, length).CopyTo(query);
                    input.AdvanceTo(buffer.GetPosition(2 + length));
                    return (query, length);
                }
            }
            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return ([], -1);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
