using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using CiliumL7.Policy.L7;

namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// One Produce request too large to buffer whole (above
/// <see cref="KafkaProxyOptions.MaxBufferedRequestBytes"/>), read from the client pipe
/// field by field: header, transactional id, acks, then per topic its name (judged as
/// soon as it is read), per partition its index and its records, whose bytes are
/// never parsed nor buffered whole. Memory: at most MaxBufferedRequestBytes held, then
/// chunks of <see cref="ChunkBytes"/>.
/// <code>
/// Hold ──(hold full, every name so far allowed)──► Forward: held bytes, then each chunk, to the broker
///   └───(a name denied)──► Discard: the rest is read and dropped; the client gets error 29
/// Forward ──(a later name denied)──► the connection is closed: the broker got part of
///   a frame only, so it never acts on it
/// </code>
/// The frame's bytes go to the broker unchanged; a body that lies (a count or a
/// length past the frame, bytes after the body) is a <see cref="KafkaProtocolException"/>.
/// </summary>
internal sealed class KafkaProduceStreamer
{
    /// <summary>The most the streamer keeps before it forwards or drops what it has read.</summary>
    public const int ChunkBytes = 64 * 1024;

    private readonly PipeReader _input;
    private readonly PipeWriter _upstream;
    private readonly int _holdBytes;
    private readonly IKafkaRequestJudge _judge;
    private readonly Func<KafkaRequest, CancellationToken, ValueTask> _beginForward;
    private readonly byte[] _scratch = new byte[8];
    private readonly long _frameBytes;
    private ReadOnlySequence<byte> _buffer;
    private bool _live;
    private long _position;
    private long _left;
    private KafkaRequestParser.RequestBuilder? _builder;
    private KafkaRequest? _request;

    /// <summary>Creates the streamer for a frame of <paramref name="frameBytes"/> bytes (size prefix included).</summary>
    public KafkaProduceStreamer(PipeReader input, PipeWriter upstream, long frameBytes, int holdBytes, IKafkaRequestJudge judge, Func<KafkaRequest, CancellationToken, ValueTask> beginForward)
    {
        _input = input;
        _upstream = upstream;
        _left = frameBytes;
        _frameBytes = frameBytes;
        _holdBytes = Math.Max(holdBytes, ChunkBytes);
        _judge = judge;
        _beginForward = beginForward;
    }

    /// <summary>What the streamer did with the bytes it read.</summary>
    public KafkaStreamMode Mode { get; private set; } = KafkaStreamMode.Hold;

    /// <summary>The request as far as it was read (header, acks, the topics so far).</summary>
    public KafkaRequest? Request => _request;

    /// <summary>The verdict: the first denial, else the verdict on every topic.</summary>
    public L7Verdict Verdict { get; private set; }

    /// <summary>The topic that was denied, if one was.</summary>
    public string? DeniedTopic { get; private set; }

    /// <summary>Header fields read so far, for an ERROR flow when the frame is refused.</summary>
    public (short ApiKey, short ApiVersion, int CorrelationId, string? ClientId) Header { get; private set; } = (-1, -1, 0, null);

    /// <summary>
    /// Reads the whole frame. Returns normally when it was read to its end (forwarded or
    /// discarded, see <see cref="Mode"/> and <see cref="Verdict"/>) or when a topic was
    /// denied after forwarding began (<see cref="DeniedTopic"/> set, the rest unread).
    /// Throws <see cref="KafkaProtocolException"/> for a body it cannot parse.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        // :: Step 1: the header (the size prefix is part of the frame's bytes).
        await TakeAsync(4, "size", ct).ConfigureAwait(false);
        var apiKey = await Int16Async("request_api_key", ct).ConfigureAwait(false);
        var version = await Int16Async("request_api_version", ct).ConfigureAwait(false);
        var correlationId = await Int32Async("correlation_id", ct).ConfigureAwait(false);
        Header = (apiKey, version, correlationId, null);
        if (!KafkaApiVersionRange.TryGet(apiKey, out var range) || range.Key != KafkaApiKey.Produce)
        {
            throw new KafkaProtocolException($"a request of {_frameBytes - 4} bytes is larger than the {_holdBytes} the proxy buffers, and only a Produce's records are streamed");
        }
        if (version < range.Min || version > range.Max)
        {
            throw new KafkaProtocolException($"{range.Key} version {version} is outside the versions the proxy understands ({range.Min}..{range.Max})");
        }
        var clientId = await StringAsync(flexible: false, nullable: true, "client_id", ct).ConfigureAwait(false);
        Header = (apiKey, version, correlationId, clientId);
        var f = range.IsFlexible(version);
        if (f)
        {
            await TagsAsync("request header tagged fields", ct).ConfigureAwait(false);
        }
        _builder = new KafkaRequestParser.RequestBuilder(range.Key, version, correlationId, clientId, f);

        // :: Step 2: the Produce body; each topic judged when its name is read.
        if (version >= 3)
        {
            await StringAsync(f, nullable: true, "transactional_id", ct).ConfigureAwait(false);
        }
        _builder.Acks = await Int16Async("acks", ct).ConfigureAwait(false);
        _request = _builder.Build(); // shares the topic list, which grows as topics are read
        await Int32Async("timeout_ms", ct).ConfigureAwait(false);
        var topics = await ArrayCountAsync(f, "topic_data", ct).ConfigureAwait(false);
        for (var t = 0; t < topics; t++)
        {
            var name = await StringAsync(f, nullable: false, "topic_data.name", ct).ConfigureAwait(false);
            KafkaBodyParsers.CheckName(name!, "topic_data.name");
            if (Mode != KafkaStreamMode.Discard)
            {
                var verdict = _judge.Judge(new KafkaRequest
                {
                    ApiKey = _request.ApiKey, ApiVersion = version, CorrelationId = correlationId, ClientId = clientId, Acks = _request.Acks,
                    Topics = [new KafkaTopicRequest(name!, [])],
                });
                if (!verdict.Allowed)
                {
                    Verdict = verdict;
                    DeniedTopic = name;
                    if (Mode == KafkaStreamMode.Forward)
                    {
                        _builder.Topics.Add(new KafkaTopicRequest(name!, []));
                        ReleaseUnread();
                        return; // part of the frame is at the broker: only closing is left
                    }
                    Mode = KafkaStreamMode.Discard;
                    await ReleaseAsync(ct).ConfigureAwait(false);
                }
            }
            var count = await ArrayCountAsync(f, "topic_data.partition_data", ct, minElementBytes: 5).ConfigureAwait(false);
            var partitions = new int[count];
            _builder.Topics.Add(new KafkaTopicRequest(name!, partitions)); // now: the hold may fill inside its records
            for (var p = 0; p < count; p++)
            {
                partitions[p] = await Int32Async("partition_data.index", ct).ConfigureAwait(false);
                await RecordsAsync(f, ct).ConfigureAwait(false);
                await TagsIfAsync(f, ct).ConfigureAwait(false);
            }
            await TagsIfAsync(f, ct).ConfigureAwait(false);
        }
        await TagsIfAsync(f, ct).ConfigureAwait(false);
        if (_left != 0)
        {
            throw new KafkaProtocolException($"Produce v{version}: {_left} bytes after the end of the request body");
        }

        // :: Step 3: the whole request judged once more (a policy change while streaming counts).
        if (DeniedTopic is null)
        {
            Verdict = _judge.Judge(_request);
            if (!Verdict.Allowed && Mode == KafkaStreamMode.Forward)
            {
                DeniedTopic = _request.Topics.Count > 0 ? _request.Topics[^1].Name : "";
                ReleaseUnread();
                return;
            }
            if (Verdict.Allowed && Mode == KafkaStreamMode.Hold)
            {
                await StartForwardingAsync(ct).ConfigureAwait(false);
            }
            if (!Verdict.Allowed)
            {
                Mode = KafkaStreamMode.Discard;
            }
        }
        await ReleaseAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Leaves the pipe consistent when the caller gives up on the rest of the frame.</summary>
    public void ReleaseUnread()
    {
        if (_live)
        {
            _input.AdvanceTo(_buffer.Start);
            _live = false;
        }
    }

    /// <summary>The records of one partition: a length, then bytes that are passed through or dropped, never kept whole.</summary>
    private async ValueTask RecordsAsync(bool flexible, CancellationToken ct)
    {
        long length = flexible
            ? (long)await UnsignedVarintAsync("partition_data.records", ct).ConfigureAwait(false) - 1
            : await Int32Async("partition_data.records", ct).ConfigureAwait(false);
        if (length < -1)
        {
            throw new KafkaProtocolException($"partition_data.records: length {length} is not allowed here");
        }
        if (length > _left)
        {
            throw KafkaProtocolException.Truncated("partition_data.records");
        }
        await SkipAsync(Math.Max(length, 0), "partition_data.records", ct).ConfigureAwait(false);
    }

    /// <summary>Passes over <paramref name="length"/> bytes: held while they fit, else forwarded or dropped chunk by chunk.</summary>
    private async ValueTask SkipAsync(long length, string field, CancellationToken ct)
    {
        if (length > _left)
        {
            throw KafkaProtocolException.Truncated(field);
        }
        while (length > 0)
        {
            if (Mode == KafkaStreamMode.Hold)
            {
                if (_position + length <= _holdBytes)
                {
                    await EnsureAsync(length, field, ct).ConfigureAwait(false);
                    _position += length;
                    _left -= length;
                    return;
                }
                await OverflowAsync(ct).ConfigureAwait(false);
                continue;
            }
            if (_position >= ChunkBytes)
            {
                await ReleaseAsync(ct).ConfigureAwait(false);
            }
            await EnsureAsync(1, field, ct).ConfigureAwait(false);
            var take = Math.Min(length, Math.Min(_buffer.Length - _position, ChunkBytes - _position));
            _position += take;
            _left -= take;
            length -= take;
        }
    }

    /// <summary>The hold is full: forward (every name so far allowed) or drop (one was denied).</summary>
    private async ValueTask OverflowAsync(CancellationToken ct)
    {
        if (Mode == KafkaStreamMode.Hold)
        {
            if (_request is null)
            {
                throw new KafkaProtocolException($"Produce header longer than {_holdBytes} bytes");
            }
            var verdict = _judge.Judge(_request);
            if (verdict.Allowed)
            {
                await StartForwardingAsync(ct).ConfigureAwait(false);
            }
            else
            {
                Verdict = verdict;
                DeniedTopic = _request.Topics.Count > 0 ? _request.Topics[0].Name : "";
                Mode = KafkaStreamMode.Discard;
            }
        }
        await ReleaseAsync(ct).ConfigureAwait(false);
    }

    private async ValueTask StartForwardingAsync(CancellationToken ct)
    {
        await _beginForward(_request!, ct).ConfigureAwait(false);
        Mode = KafkaStreamMode.Forward;
    }

    /// <summary>Forwards (Forward) or drops (Discard) what was read and lets the pipe reuse it; Hold keeps it.</summary>
    private async ValueTask ReleaseAsync(CancellationToken ct)
    {
        if (!_live || Mode == KafkaStreamMode.Hold)
        {
            return;
        }
        var done = _buffer.Slice(0, _position);
        if (Mode == KafkaStreamMode.Forward)
        {
            foreach (var segment in done)
            {
                _upstream.Write(segment.Span);
            }
        }
        _input.AdvanceTo(done.End);
        _live = false;
        _position = 0;
        if (Mode == KafkaStreamMode.Forward)
        {
            var flushed = await _upstream.FlushAsync(ct).ConfigureAwait(false);
            if (flushed.IsCompleted)
            {
                throw new IOException("the broker closed the connection inside a streamed Produce");
            }
        }
    }

    /// <summary>Makes <paramref name="count"/> unread bytes available at the current position.</summary>
    private async ValueTask EnsureAsync(long count, string field, CancellationToken ct)
    {
        if (_live && _buffer.Length - _position >= count)
        {
            return;
        }
        if (_live)
        {
            // Examined stays at the start: the pipe counts examined bytes for its back pressure and
            // ReadAtLeastAsync, and a later AdvanceTo must never move examined backwards.
            _input.AdvanceTo(_buffer.Start);
            _live = false;
        }
        var result = await _input.ReadAtLeastAsync(checked((int)(_position + count)), ct).ConfigureAwait(false);
        _buffer = result.Buffer;
        _live = true;
        if (_buffer.Length < _position + count)
        {
            throw new KafkaProtocolException($"{field}: the client closed the connection inside a request");
        }
    }

    /// <summary>A small field: bounded by the hold (or a chunk), then read.</summary>
    private async ValueTask<ReadOnlySequence<byte>> TakeAsync(int count, string field, CancellationToken ct)
    {
        if (count > _left)
        {
            throw KafkaProtocolException.Truncated(field);
        }
        var limit = Mode == KafkaStreamMode.Hold ? _holdBytes : ChunkBytes;
        if (_position + count > limit)
        {
            await OverflowAsync(ct).ConfigureAwait(false);
        }
        await EnsureAsync(count, field, ct).ConfigureAwait(false);
        var slice = _buffer.Slice(_position, count);
        _position += count;
        _left -= count;
        return slice;
    }

    private async ValueTask<short> Int16Async(string field, CancellationToken ct)
    {
        (await TakeAsync(2, field, ct).ConfigureAwait(false)).CopyTo(_scratch);
        return BinaryPrimitives.ReadInt16BigEndian(_scratch);
    }

    private async ValueTask<int> Int32Async(string field, CancellationToken ct)
    {
        (await TakeAsync(4, field, ct).ConfigureAwait(false)).CopyTo(_scratch);
        return BinaryPrimitives.ReadInt32BigEndian(_scratch);
    }

    private async ValueTask<uint> UnsignedVarintAsync(string field, CancellationToken ct)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            (await TakeAsync(1, field, ct).ConfigureAwait(false)).CopyTo(_scratch);
            var b = _scratch[0];
            if (shift == 28 && (b & 0xF0) != 0)
            {
                throw new KafkaProtocolException($"{field}: varint longer than 32 bits");
            }
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new KafkaProtocolException($"{field}: varint longer than 5 bytes");
    }

    private async ValueTask<string?> StringAsync(bool flexible, bool nullable, string field, CancellationToken ct)
    {
        int length;
        if (flexible)
        {
            var n = await UnsignedVarintAsync(field, ct).ConfigureAwait(false);
            length = n == 0 ? -1 : checked((int)Math.Min(n - 1, int.MaxValue));
        }
        else
        {
            length = await Int16Async(field, ct).ConfigureAwait(false);
        }
        if (length < 0)
        {
            return (length == -1 && nullable) ? null : throw new KafkaProtocolException($"{field}: length {length} is not allowed here");
        }
        if (length > KafkaReader.MaxStringBytes)
        {
            throw new KafkaProtocolException($"{field}: length {length} is longer than {KafkaReader.MaxStringBytes}");
        }
        var bytes = await TakeAsync(length, field, ct).ConfigureAwait(false);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new KafkaProtocolException($"{field}: not valid UTF-8");
        }
    }

    private async ValueTask<int> ArrayCountAsync(bool flexible, string field, CancellationToken ct, int minElementBytes = 1)
    {
        long count = flexible
            ? (long)await UnsignedVarintAsync(field, ct).ConfigureAwait(false) - 1
            : await Int32Async(field, ct).ConfigureAwait(false);
        if (count < 0)
        {
            throw new KafkaProtocolException($"{field}: count {count} is not allowed here");
        }
        if (count * minElementBytes > _left)
        {
            throw new KafkaProtocolException($"{field}: count {count} cannot fit in the {_left} bytes left in the frame");
        }
        return (int)count;
    }

    private ValueTask TagsIfAsync(bool flexible, CancellationToken ct) => flexible ? TagsAsync("tagged fields", ct) : ValueTask.CompletedTask;

    private async ValueTask TagsAsync(string field, CancellationToken ct)
    {
        var count = await UnsignedVarintAsync(field, ct).ConfigureAwait(false);
        if (count > _left / 2)
        {
            throw new KafkaProtocolException($"{field}: {count} tagged fields cannot fit in the {_left} bytes left in the frame");
        }
        long previous = -1;
        for (var i = 0u; i < count; i++)
        {
            var tag = await UnsignedVarintAsync(field, ct).ConfigureAwait(false);
            if (tag <= previous)
            {
                throw new KafkaProtocolException($"{field}: tag {tag} out of order");
            }
            previous = tag;
            var size = await UnsignedVarintAsync(field, ct).ConfigureAwait(false);
            await SkipAsync(size, field, ct).ConfigureAwait(false);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
