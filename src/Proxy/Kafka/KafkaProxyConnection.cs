using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;

namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// One proxied Kafka connection over two duplex pipes (the transport owns the
/// sockets). Two loops:
/// <code>
/// client ─► RequestLoop: frame ─► parse ─► judge ─┬─ allow ─► slot + bytes unchanged ─► broker
///                                                 └─ deny ──► error 29 response ─► sequencer
/// broker ─► ResponseLoop: frame header, correlation id checked against the next slot
///           ─► streamed to the client ─► then the synthesized responses queued behind it
/// </code>
/// Anything the proxy does not understand (bad size, unknown API or version, a body
/// that lies) is recorded as an ERROR flow and closes both sides; none of that
/// frame reaches the broker. Memory: at most <see cref="KafkaProxyOptions.MaxBufferedRequestBytes"/>
/// of request buffered (a larger Produce is streamed, its records never held whole), responses streamed, at most
/// <see cref="KafkaProxyOptions.MaxInFlightRequests"/> requests awaiting a response.
/// </summary>
public sealed class KafkaProxyConnection : IDisposable
{
    private readonly IDuplexPipe _client;
    private readonly IDuplexPipe _upstream;
    private readonly IKafkaRequestJudge _judge;
    private readonly IKafkaRequestObserver _observer;
    private readonly KafkaProxyOptions _options;
    private readonly KafkaResponseSequencer _sequencer = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _inFlight;
    private readonly CancellationTokenSource _closed = new();

    /// <summary>Creates the connection; <see cref="RunAsync"/> runs it.</summary>
    public KafkaProxyConnection(IDuplexPipe client, IDuplexPipe upstream, IKafkaRequestJudge judge, IKafkaRequestObserver observer, KafkaProxyOptions options)
    {
        _client = client;
        _upstream = upstream;
        _judge = judge;
        _observer = observer;
        _options = options;
        _inFlight = new SemaphoreSlim(options.MaxInFlightRequests, options.MaxInFlightRequests);
    }

    /// <summary>The reason the connection was closed by the proxy, if it was.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Runs both loops until either side ends or the proxy closes the connection.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        var requests = RequestLoopAsync(linked.Token);
        var responses = ResponseLoopAsync(linked.Token);
        await Task.WhenAny(requests, responses).ConfigureAwait(false);
        await _closed.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(Quiet(requests), Quiet(responses)).ConfigureAwait(false);
        await _client.Output.CompleteAsync().ConfigureAwait(false);
        await _upstream.Output.CompleteAsync().ConfigureAwait(false);
        await _client.Input.CompleteAsync().ConfigureAwait(false);
        await _upstream.Input.CompleteAsync().ConfigureAwait(false);
    }

    private async Task RequestLoopAsync(CancellationToken ct)
    {
        var input = _client.Input;
        while (true)
        {
            // :: Step 1: the size prefix, checked before anything is buffered.
            var result = await input.ReadAtLeastAsync(4, ct).ConfigureAwait(false);
            if (result.Buffer.Length < 4)
            {
                input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                return; // client closed between requests (or mid prefix)
            }
            var size = ReadInt32(result.Buffer);
            if (size < 8 || size > _options.MaxRequestBytes)
            {
                input.AdvanceTo(result.Buffer.Start);
                Refuse(null, $"request size {size} is outside 8..{_options.MaxRequestBytes}");
                return;
            }
            input.AdvanceTo(result.Buffer.Start);
            if (size > _options.MaxBufferedRequestBytes)
            {
                // :: Step 2': too large to buffer: a Produce is streamed, anything else refused.
                if (!await StreamProduceAsync(input, size, ct).ConfigureAwait(false))
                {
                    return;
                }
                continue;
            }
            // :: Step 2: the whole frame (bounded by MaxBufferedRequestBytes).
            result = await input.ReadAtLeastAsync(size + 4, ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length < size + 4)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                Refuse(null, $"client closed the connection inside a request of {size} bytes");
                return;
            }
            var frame = buffer.Slice(0, size + 4);
            try
            {
                if (!await HandleRequestAsync(frame, ct).ConfigureAwait(false))
                {
                    return;
                }
            }
            finally
            {
                input.AdvanceTo(frame.End);
            }
        }
    }

    /// <summary>Parses, judges and forwards or answers one frame; false when the connection must close.</summary>
    private async ValueTask<bool> HandleRequestAsync(ReadOnlySequence<byte> frame, CancellationToken ct)
    {
        KafkaRequest request;
        var body = frame.Slice(4);
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> span;
            if (body.IsSingleSegment)
            {
                span = body.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
                body.CopyTo(rented);
                span = rented.AsSpan(0, (int)body.Length);
            }
            request = KafkaRequestParser.Parse(span);
        }
        catch (KafkaProtocolException e)
        {
            Refuse(body, e.Message);
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        var verdict = _judge.Judge(request);
        if (verdict.Allowed)
        {
            // :: Allowed: the slot first, so the response cannot arrive before it exists.
            if (request.ExpectsResponse)
            {
                await _inFlight.WaitAsync(ct).ConfigureAwait(false);
                _sequencer.AddForwarded(request);
            }
            // Audit mode: a request the rules would refuse is forwarded, its flow AUDIT naming the policy.
            Record(request, verdict.Audited ? FlowVerdict.Audit : FlowVerdict.Forwarded, KafkaErrorCodes.None, verdict.PolicyName, null);
            // One flush (one send) per request, however many buffer segments it spans.
            foreach (var segment in frame)
            {
                _upstream.Output.Write(segment.Span);
            }
            var flushed = await _upstream.Output.FlushAsync(ct).ConfigureAwait(false);
            return !flushed.IsCompleted;
        }

        return await DenyAsync(request, verdict, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A Produce above <see cref="KafkaProxyOptions.MaxBufferedRequestBytes"/>: judged
    /// topic by topic while its records pass through (<see cref="KafkaProduceStreamer"/>).
    /// False when the connection must close.
    /// </summary>
    private async ValueTask<bool> StreamProduceAsync(PipeReader input, int size, CancellationToken ct)
    {
        var streamer = new KafkaProduceStreamer(input, _upstream.Output, (long)size + 4, _options.MaxBufferedRequestBytes, _judge, BeginForwardAsync);
        try
        {
            await streamer.RunAsync(ct).ConfigureAwait(false);
        }
        catch (KafkaProtocolException e)
        {
            streamer.ReleaseUnread();
            var (apiKey, apiVersion, correlationId, clientId) = streamer.Header;
            CloseReason = streamer.Mode == KafkaStreamMode.Forward ? e.Message + " (after part of the frame was forwarded: the broker never got all of it)" : e.Message;
            _observer.OnRequest(new KafkaRequestRecord(apiKey, apiVersion, correlationId, clientId, streamer.Request?.TopicNames() ?? [], FlowVerdict.Error, KafkaErrorCodes.None, null, CloseReason));
            return false;
        }
        var request = streamer.Request!;
        if (streamer.Verdict.Allowed)
        {
            Record(request, FlowVerdict.Forwarded, KafkaErrorCodes.None, streamer.Verdict.PolicyName, null);
            return true;
        }
        if (streamer.Mode == KafkaStreamMode.Forward)
        {
            // The records before the denied topic are already at the broker, as part of a frame it
            // never receives whole: closing is the only answer that keeps the request from taking effect.
            CloseReason = $"topic \"{streamer.DeniedTopic}\" denied inside a streamed Produce after earlier topics' records were forwarded";
            Record(request, FlowVerdict.Dropped, KafkaErrorCodes.TopicAuthorizationFailed, streamer.Verdict.PolicyName, CloseReason);
            return false;
        }
        return await DenyAsync(request, streamer.Verdict, ct).ConfigureAwait(false);
    }

    /// <summary>The slot of a streamed Produce, taken before its first byte goes to the broker.</summary>
    private async ValueTask BeginForwardAsync(KafkaRequest request, CancellationToken ct)
    {
        if (request.ExpectsResponse)
        {
            await _inFlight.WaitAsync(ct).ConfigureAwait(false);
            _sequencer.AddForwarded(request);
        }
    }

    /// <summary>Denied: error 29 in the request's place in the response stream; false when the connection must close.</summary>
    private async ValueTask<bool> DenyAsync(KafkaRequest request, L7Verdict verdict, CancellationToken ct)
    {
        Record(request, FlowVerdict.Dropped, KafkaErrorCodes.TopicAuthorizationFailed, verdict.PolicyName, null);
        if (!request.ExpectsResponse)
        {
            // acks=0: the client reads no response; a broker closes the connection on an error.
            CloseReason = "produce with acks=0 denied";
            return false;
        }
        var response = KafkaErrorResponse.Build(request, KafkaErrorCodes.TopicAuthorizationFailed);
        await _inFlight.WaitAsync(ct).ConfigureAwait(false);
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_sequencer.TryWriteNowOrQueue(request, response))
            {
                _inFlight.Release();
                await _client.Output.WriteAsync(response, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
        return true;
    }

    private async Task ResponseLoopAsync(CancellationToken ct)
    {
        var input = _upstream.Input;
        while (true)
        {
            var result = await input.ReadAtLeastAsync(8, ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length < 8)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return; // broker closed
            }
            var size = ReadInt32(buffer);
            var correlationId = ReadInt32(buffer.Slice(4));
            var request = _sequencer.PeekForwarded();
            if (size < 4 || size > _options.MaxResponseBytes || request is null || request.CorrelationId != correlationId)
            {
                input.AdvanceTo(buffer.Start);
                CloseReason = $"broker response (size {size}, correlation id {correlationId}) does not answer the next forwarded request";
                return;
            }
            input.AdvanceTo(buffer.Start);
            await _writeLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (request.ApiKey == KafkaApiKey.ApiVersions)
                {
                    if (!await WriteCappedApiVersionsAsync(input, size, request, ct).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                else if (!await StreamFrameAsync(input, (long)size + 4, ct).ConfigureAwait(false))
                {
                    CloseReason = "broker closed the connection inside a response";
                    return;
                }
                var due = _sequencer.CompleteForwarded();
                _inFlight.Release();
                if (due is not null)
                {
                    foreach (var bytes in due)
                    {
                        _inFlight.Release();
                        await _client.Output.WriteAsync(bytes, ct).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                _writeLock.Release();
            }
        }
    }

    private async ValueTask<bool> WriteCappedApiVersionsAsync(PipeReader input, int size, KafkaRequest request, CancellationToken ct)
    {
        if (size > _options.MaxApiVersionsResponseBytes)
        {
            CloseReason = $"ApiVersions response of {size} bytes is larger than {_options.MaxApiVersionsResponseBytes}";
            return false;
        }
        var result = await input.ReadAtLeastAsync(size + 4, ct).ConfigureAwait(false);
        if (result.Buffer.Length < size + 4)
        {
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            CloseReason = "broker closed the connection inside a response";
            return false;
        }
        var frame = result.Buffer.Slice(4, size).ToArray();
        input.AdvanceTo(result.Buffer.GetPosition(size + 4));
        byte[] capped;
        try
        {
            capped = KafkaApiVersionsCapper.Cap(frame, request.ApiVersion);
        }
        catch (KafkaProtocolException e)
        {
            CloseReason = $"broker ApiVersions response: {e.Message}";
            return false;
        }
        await _client.Output.WriteAsync(capped, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Copies <paramref name="length"/> bytes from the broker to the client as they come.</summary>
    private async ValueTask<bool> StreamFrameAsync(PipeReader input, long length, CancellationToken ct)
    {
        while (length > 0)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return false;
            }
            var chunk = buffer.Slice(0, Math.Min(length, buffer.Length));
            foreach (var segment in chunk)
            {
                _client.Output.Write(segment.Span);
            }
            length -= chunk.Length;
            input.AdvanceTo(chunk.End);
            await _client.Output.FlushAsync(ct).ConfigureAwait(false);
        }
        return true;
    }

    private void Refuse(ReadOnlySequence<byte>? body, string reason)
    {
        CloseReason = reason;
        short apiKey = -1, apiVersion = -1;
        var correlationId = 0;
        if (body is { Length: >= 8 } b)
        {
            Span<byte> head = stackalloc byte[8];
            b.Slice(0, 8).CopyTo(head);
            apiKey = BinaryPrimitives.ReadInt16BigEndian(head);
            apiVersion = BinaryPrimitives.ReadInt16BigEndian(head[2..]);
            correlationId = BinaryPrimitives.ReadInt32BigEndian(head[4..]);
        }
        _observer.OnRequest(new KafkaRequestRecord(apiKey, apiVersion, correlationId, null, [], FlowVerdict.Error, KafkaErrorCodes.None, null, reason));
    }

    private void Record(KafkaRequest request, FlowVerdict verdict, short error, string? policy, string? reason) =>
        _observer.OnRequest(new KafkaRequestRecord((short)request.ApiKey, request.ApiVersion, request.CorrelationId, request.ClientId, request.TopicNames(), verdict, error, policy, reason));

    /// <inheritdoc />
    public void Dispose()
    {
        _closed.Dispose();
        _inFlight.Dispose();
        _writeLock.Dispose();
    }

    private static int ReadInt32(ReadOnlySequence<byte> buffer)
    {
        Span<byte> bytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(bytes);
        return BinaryPrimitives.ReadInt32BigEndian(bytes);
    }

    private static async Task Quiet(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }
}
