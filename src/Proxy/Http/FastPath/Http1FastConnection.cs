using System.Diagnostics;
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace CiliumL7.Proxy.Http.FastPath;

/// <summary>
/// One client connection on the fast path. Reads request heads from the
/// connection's pipe, judges each through <see cref="HttpRequestJudge"/>, answers
/// denies itself and forwards the rest over upstream connections it takes from
/// <see cref="UpstreamConnectionPool"/> per request and gives back after a clean
/// exchange. Returns true from
/// <see cref="RunAsync"/> to hand the connection to Kestrel with the next request
/// unconsumed.
/// </summary>
internal sealed class Http1FastConnection : IDisposable
{
    // A denied request's body up to this size is read and dropped to keep the
    // connection; a larger one is left to Kestrel's path.
    private const long MaxDrainedBody = 64 * 1024;

    private readonly ProxyRedirect _redirect;
    private readonly ProxyRuntime _runtime;
    private readonly ProxyOptions _options;
    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Http1RequestHead _head;
    private readonly ProxyRequestContext _context = new();
    private CancellationTokenSource _idle = new();
    private CancellationTokenSource? _flushDeadline;
    private UpstreamConnection? _upstream; // in use by the current request only
    private UpstreamConnectionPool.IdleStack? _idleUpstreams;
    private bool _idleUpstreamsResolved;
    private ChunkedBodyScanner _chunked;
    private bool _keepClient;
    private bool _bodyStarted;

    public Http1FastConnection(ProxyRedirect redirect, ProxyRuntime runtime, ConnectionContext connection)
    {
        _redirect = redirect;
        _runtime = runtime;
        _options = runtime.Options;
        _connection = connection;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _head = new Http1RequestHead(_options);
    }

    /// <summary>Serves requests until the connection ends (false) or a request is left to Kestrel (true).</summary>
    public async Task<bool> RunAsync()
    {
        if (_connection.RemoteEndPoint is not IPEndPoint remote || _connection.LocalEndPoint is not IPEndPoint local)
        {
            return true;
        }
        var connectionId = _connection.ConnectionId;
        // Graceful stop (listener removed, proxy disposed): end at the next request boundary.
        using var stopping = _connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
            .UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), _input);
        var first = true;
        var headStarted = 0L; // when the first bytes of a still incomplete head arrived
        while (true)
        {
            ReadResult result;
            if (first)
            {
                first = false;
                result = await _input.ReadAsync().ConfigureAwait(false);
            }
            else if (headStarted != 0 || !_input.TryRead(out result))
            {
                // Idle between requests: Kestrel's keep-alive timeout applies here too;
                // inside a head: what is left of the request headers timeout (slowloris).
                var timeout = _options.KeepAliveTimeout;
                if (headStarted != 0)
                {
                    timeout = _options.RequestHeadersTimeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - headStarted);
                    if (timeout <= TimeSpan.Zero)
                    {
                        return false;
                    }
                }
                _idle.CancelAfter(timeout);
                try
                {
                    result = await _input.ReadAsync(_idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
                if (!_idle.TryReset())
                {
                    _idle.Dispose();
                    _idle = new CancellationTokenSource();
                }
            }
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                _input.AdvanceTo(buffer.Start);
                return false;
            }
            if (buffer.IsEmpty)
            {
                _input.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    return false;
                }
                continue;
            }
            var parsed = _head.TryParse(buffer);
            if (parsed == HeadParseStatus.Incomplete && !result.IsCompleted)
            {
                // A head split across reads (large heads, pipelined batches): wait for the rest.
                if (headStarted == 0)
                {
                    headStarted = Environment.TickCount64;
                }
                _input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            headStarted = 0;
            if (parsed == HeadParseStatus.Refused)
            {
                _input.AdvanceTo(buffer.End);
                _runtime.Counters.ParseError();
                FastResponses.WriteBadRequest(_output);
                await FlushAsync().ConfigureAwait(false);
                return false;
            }
            if (parsed != HeadParseStatus.Complete)
            {
                _input.AdvanceTo(buffer.Start); // Kestrel reads the same bytes (limits, bodies, upgrades, malformed…)
                return true;
            }

            var started = Stopwatch.GetTimestamp();
            _context.Reset();
            _context.Initialize(_head, connectionId, remote, local);
            var error = HttpRequestJudge.Decide(_context, _redirect, _runtime, out var verdict);
            if (error != CanonicalizeError.None)
            {
                _input.AdvanceTo(buffer.Start); // Kestrel's path refuses it with 400, counts it and reports its flows
                return true;
            }
            if (!verdict.Allowed && _head.BodyLength > MaxDrainedBody)
            {
                _input.AdvanceTo(buffer.Start); // a large denied body: Kestrel's path answers and drains or closes
                return true;
            }
            _input.AdvanceTo(buffer.GetPosition(_head.Length));
            var requestId = _runtime.NextRequestId();
            _runtime.Counters.Received();
            _runtime.CountFastPathRequest();
            var close = _head.ConnectionClose;
            if (!verdict.Allowed)
            {
                _runtime.Counters.Denied();
                Publish(requestId, L7FlowType.Request, FlowVerdict.Dropped, 0, verdict.PolicyName, 0);
                if (_head.BodyLength > 0 && !await DrainBodyAsync(_head.BodyLength).ConfigureAwait(false))
                {
                    close = true; // the body never fully arrived: the connection cannot be reused
                }
                FastResponses.WriteAccessDenied(_output, close, _head.IsHead);
                var clientGone = !await FlushAsync().ConfigureAwait(false);
                Publish(requestId, L7FlowType.Response, FlowVerdict.Forwarded, 403, verdict.PolicyName, started);
                if (close || clientGone)
                {
                    return false;
                }
                continue;
            }

            _runtime.Counters.Forwarded();
            Publish(requestId, L7FlowType.Request, verdict.Audited ? FlowVerdict.Audit : FlowVerdict.Forwarded, 0, verdict.PolicyName, 0);
            var status = await ForwardAsync(close).ConfigureAwait(false);
            Publish(requestId, L7FlowType.Response, FlowVerdict.Forwarded, status, verdict.PolicyName, started);
            if (!_keepClient)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        DropUpstream(); // only set while a request was cut short
        _idle.Dispose();
        _flushDeadline?.Dispose();
    }

    /// <summary>Forwards the current request; returns the status sent to the client and sets <see cref="_keepClient"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ForwardAsync(bool close)
    {
        var pool = _runtime.FastUpstreams;
        var key = new UpstreamKey(_options.TransparentUpstream ? _context.Client.Address : null, _context.Server);
        if (!_idleUpstreamsResolved)
        {
            _idleUpstreams = pool.GetStack(key); // the key is the same for every request of a connection
            _idleUpstreamsResolved = true;
        }
        var head = ArrayPool<byte>.Shared.Rent(_head.Length + _context.PathAndQuery.Length + 64);
        try
        {
            var headLength = _head.WriteUpstreamHead(_context.PathAndQuery, head);
            if (headLength < 0)
            {
                return await UpstreamErrorAsync(502, close, null).ConfigureAwait(false);
            }
            for (var attempt = 0; ; attempt++)
            {
                // A retry always opens a fresh connection.
                var upstream = attempt == 0 ? pool.TryTake(_idleUpstreams) : null;
                if (upstream is null)
                {
                    try
                    {
                        upstream = await UpstreamConnection.ConnectAsync(key, _options, _connection.ConnectionClosed).ConfigureAwait(false);
                    }
                    catch (TimeoutException e)
                    {
                        return await UpstreamErrorAsync(504, close, e).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
                    {
                        return await UpstreamErrorAsync(502, close, e).ConfigureAwait(false);
                    }
                }
                _upstream = upstream;
                _bodyStarted = false;
                var reused = upstream.Completed > 0;
                var status = await ExchangeAsync(upstream, head.AsMemory(0, headLength), close).ConfigureAwait(false);
                if (status >= 0)
                {
                    return status;
                }
                DropUpstream();
                if (!reused || attempt > 0 || _bodyStarted || !_head.IsIdempotent)
                {
                    // No retry once the body started upstream (it is gone from the client stream),
                    // nor of a method that is not idempotent: the upstream may have acted on it.
                    return await UpstreamErrorAsync(502, close, null).ConfigureAwait(false);
                }
                // A reused connection the upstream closed before answering: once more on a fresh one (nothing was received).
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    /// <summary>
    /// One request/response exchange on <paramref name="upstream"/>. Returns the status
    /// sent, or -1 when the upstream failed before sending any byte of a response.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ExchangeAsync(UpstreamConnection upstream, ReadOnlyMemory<byte> requestHead, bool close)
    {
        // :: Step 1: the canonical head, in one send.
        try
        {
            await upstream.SendAsync(requestHead).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            return -1;
        }
        if (_head.BodyLength > 0)
        {
            _bodyStarted = true;
            var body = await SendBodyAsync(upstream, _head.BodyLength).ConfigureAwait(false);
            if (body != BodyResult.Sent)
            {
                if (body == BodyResult.ClientFailed)
                {
                    // The client stopped mid-body: reset the upstream (a FIN would end the body early as if it
                    // were complete), nothing sensible to answer; close.
                    _upstream?.Abort();
                    _upstream = null;
                    _keepClient = false;
                    return 400;
                }
                DropUpstream();
                // The upstream failed while the body streamed: the rest of the body is
                // still in the client stream, so the connection closes after the 502.
                return await UpstreamErrorAsync(502, close: true, null).ConfigureAwait(false);
            }
        }

        // :: Step 2: the response head (interim 1xx responses are dropped, as HttpClient does).
        var head = default(Http1ResponseHead);
        while (true)
        {
            var parsed = head.TryParse(upstream.Buffer.AsSpan(upstream.Start, upstream.End - upstream.Start), _head.IsHead);
            if (parsed < 0)
            {
                DropUpstream();
                return await UpstreamErrorAsync(502, close, null).ConfigureAwait(false);
            }
            if (parsed > 0)
            {
                if (head.StatusCode >= 200)
                {
                    break;
                }
                if (head.StatusCode == 101)
                {
                    DropUpstream();
                    return await UpstreamErrorAsync(502, close, null).ConfigureAwait(false);
                }
                upstream.Start += head.Length;
                continue;
            }
            var receivedBefore = upstream.End - upstream.Start;
            int n;
            try
            {
                n = await upstream.ReceiveAsync(_options.UpstreamResponseTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                DropUpstream();
                return await UpstreamErrorAsync(504, close, e).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                if (receivedBefore == 0)
                {
                    return -1;
                }
                DropUpstream();
                return await UpstreamErrorAsync(502, close, e).ConfigureAwait(false);
            }
            if (n == 0)
            {
                if (receivedBefore == 0)
                {
                    return -1;
                }
                DropUpstream();
                return await UpstreamErrorAsync(502, close, null).ConfigureAwait(false);
            }
        }

        // :: Step 3: the head for the client.
        var closeClient = close || head.Framing == ResponseFraming.UntilClose;
        var span = _output.GetSpan(head.Length + 32);
        _output.Advance(head.WriteClientHead(upstream.Buffer.AsSpan(upstream.Start, head.Length), span, closeClient));
        upstream.Start += head.Length;

        // :: Step 4: the body, streamed; a failure midway aborts the client connection.
        var complete = await CopyBodyAsync(upstream, head).ConfigureAwait(false);
        if (!complete)
        {
            DropUpstream();
            await FlushAsync().ConfigureAwait(false);
            _connection.Abort(new ConnectionAbortedException("upstream response failed midway"));
            _keepClient = false;
            return head.StatusCode;
        }

        // :: Step 5: keep the upstream connection when the exchange left it clean.
        upstream.Completed++;
        if (!head.UpstreamKeepAlive || upstream.Start != upstream.End)
        {
            DropUpstream();
        }
        else
        {
            upstream.Start = upstream.End = 0;
            _upstream = null;
            _runtime.FastUpstreams.Return(_idleUpstreams, upstream);
        }
        _keepClient = await FlushAsync().ConfigureAwait(false) && !closeClient;
        return head.StatusCode;
    }

    /// <summary>Copies the response body to the client; false when the upstream failed or the client went away midway.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> CopyBodyAsync(UpstreamConnection upstream, Http1ResponseHead head)
    {
        var framing = head.Framing;
        if (framing == ResponseFraming.None)
        {
            return true;
        }
        var remaining = head.ContentLength;
        if (framing == ResponseFraming.Chunked)
        {
            _chunked.Reset();
        }
        var unflushed = false;
        while (true)
        {
            var available = upstream.Buffer.AsSpan(upstream.Start, upstream.End - upstream.Start);
            if (!available.IsEmpty)
            {
                int take;
                switch (framing)
                {
                    case ResponseFraming.Length:
                        take = (int)Math.Min(available.Length, remaining);
                        remaining -= take;
                        break;
                    case ResponseFraming.Chunked:
                        take = _chunked.Scan(available);
                        if (take < 0)
                        {
                            return false;
                        }
                        break;
                    default:
                        take = available.Length;
                        break;
                }
                _output.Write(available[..take]);
                upstream.Start += take;
                unflushed = true;
                if ((framing == ResponseFraming.Length && remaining == 0) || (framing == ResponseFraming.Chunked && _chunked.IsDone))
                {
                    return true;
                }
            }
            upstream.Start = upstream.End = 0;
            if (unflushed)
            {
                if (!await FlushAsync().ConfigureAwait(false))
                {
                    return false;
                }
                unflushed = false;
            }
            int n;
            try
            {
                n = await upstream.ReceiveAsync(_options.UpstreamResponseTimeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or SocketException or IOException or ObjectDisposedException)
            {
                Log.FastPathUpstreamFailed(_runtime.Logger, upstream.Key.Destination, e.Message);
                return false;
            }
            if (n == 0)
            {
                return framing == ResponseFraming.UntilClose;
            }
        }
    }

    /// <summary>Streams <paramref name="length"/> body bytes from the client to <paramref name="upstream"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyResult> SendBodyAsync(UpstreamConnection upstream, long length)
    {
        var started = Stopwatch.GetTimestamp();
        var total = length;
        while (length > 0)
        {
            var read = await ReadBodyAsync(started, total - length).ConfigureAwait(false);
            if (read is not { } result)
            {
                return BodyResult.ClientFailed;
            }
            var buffer = result.Buffer;
            var take = buffer.Slice(0, Math.Min(buffer.Length, length));
            try
            {
                if (take.IsSingleSegment)
                {
                    await upstream.SendAsync(take.First).ConfigureAwait(false);
                }
                else
                {
                    await SendCoalescedAsync(upstream, take).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
            {
                _input.AdvanceTo(take.End);
                Log.FastPathUpstreamFailed(_runtime.Logger, upstream.Key.Destination, e.Message);
                return BodyResult.UpstreamFailed;
            }
            length -= take.Length;
            _input.AdvanceTo(take.End);
        }
        return BodyResult.Sent;
    }

    /// <summary>Sends a multi-segment body slice in sends of up to 64 KiB (pipe segments are 4 KiB).</summary>
    private static async ValueTask SendCoalescedAsync(UpstreamConnection upstream, ReadOnlySequence<byte> data)
    {
        var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(data.Length, 64 * 1024));
        try
        {
            while (!data.IsEmpty)
            {
                var part = data.Slice(0, Math.Min(data.Length, chunk.Length));
                part.CopyTo(chunk);
                await upstream.SendAsync(chunk.AsMemory(0, (int)part.Length)).ConfigureAwait(false);
                data = data.Slice(part.End);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Reads and drops <paramref name="length"/> body bytes (a denied request); false when they never came.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> DrainBodyAsync(long length)
    {
        var started = Stopwatch.GetTimestamp();
        var total = length;
        while (length > 0)
        {
            var read = await ReadBodyAsync(started, total - length).ConfigureAwait(false);
            if (read is not { } result)
            {
                return false;
            }
            var take = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, length));
            length -= take.Length;
            _input.AdvanceTo(take.End);
        }
        return true;
    }

    /// <summary>
    /// The next body bytes from the client (non-empty), or null when the client closed,
    /// the read was cancelled, nothing came for <see cref="ProxyOptions.RequestHeadersTimeout"/>,
    /// or the body arrives slower than <see cref="ProxyOptions.MinRequestBodyBytesPerSecond"/>
    /// after a 5 s grace period (Kestrel's minimum request body data rate).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult?> ReadBodyAsync(long started, long received)
    {
        if (_options.MinRequestBodyBytesPerSecond is { } rate)
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (elapsed > 5 && received < rate * elapsed)
            {
                return null;
            }
        }
        while (true)
        {
            ReadResult result;
            if (!_input.TryRead(out result))
            {
                _idle.CancelAfter(_options.RequestHeadersTimeout);
                try
                {
                    result = await _input.ReadAsync(_idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
                if (!_idle.TryReset())
                {
                    _idle.Dispose();
                    _idle = new CancellationTokenSource();
                }
            }
            if (!result.Buffer.IsEmpty)
            {
                return result;
            }
            _input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> UpstreamErrorAsync(int status, bool close, Exception? exception)
    {
        Log.FastPathUpstreamFailed(_runtime.Logger, _context.Server, exception?.Message ?? "invalid or missing response");
        FastResponses.WriteUpstreamError(_output, status, close);
        _keepClient = await FlushAsync().ConfigureAwait(false) && !close;
        return status;
    }

    /// <summary>
    /// Flushes to the client; false when the client is gone, or reads nothing for
    /// <see cref="ProxyOptions.UpstreamResponseTimeout"/> while the output is full.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FlushAsync()
    {
        try
        {
            var flush = _output.FlushAsync();
            FlushResult result;
            if (flush.IsCompleted)
            {
                result = flush.Result;
            }
            else
            {
                // Back-pressure: the client is not reading. Bound the wait (Kestrel's
                // path has its minimum response data rate for this).
                var deadline = _flushDeadline ??= new CancellationTokenSource();
                deadline.CancelAfter(_options.UpstreamResponseTimeout);
                using (deadline.Token.UnsafeRegister(static state => ((PipeWriter)state!).CancelPendingFlush(), _output))
                {
                    result = await flush.ConfigureAwait(false);
                }
                if (!deadline.TryReset())
                {
                    _flushDeadline = null;
                    deadline.Dispose();
                }
            }
            return !result.IsCompleted && !result.IsCanceled;
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    private void DropUpstream()
    {
        _upstream?.Dispose();
        _upstream = null;
    }

    private void Publish(ulong requestId, L7FlowType type, FlowVerdict verdict, int code, string? policyName, long started) =>
        HttpFlowPublisher.Publish(_runtime, _redirect, _context, requestId, type, verdict, code, policyName, started);

    private enum BodyResult
    {
        Sent,
        ClientFailed,
        UpstreamFailed,
    }
}
