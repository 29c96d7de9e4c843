using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Kafka;

namespace CiliumL7.Proxy.Tests.Kafka;

/// <summary>
/// A Produce above <see cref="KafkaProxyOptions.MaxBufferedRequestBytes"/> is streamed:
/// its topic names are judged as they are read and its records pass through in chunks.
/// The pipes' memory comes from a pool that counts what is rented, so "bounded" is a
/// number: the most the proxy's two pipes ever held while a 64 MiB request went through.
/// </summary>
public sealed class KafkaProduceStreamingTests
{
    private const int Buffered = 1 << 20;

    private static readonly KafkaRuleSet ProduceOrders = new(
        [KafkaRule.FromSpec(new Policy.Api.PortRuleKafka { Role = "produce", Topic = "empire-orders" }, "default/empire")], "default/empire");

    [Fact]
    public async Task RunAsync_Produce64MiBAllowed_StreamedBytesIdenticalPipeMemoryBounded()
    {
        await using var h = new Harness(ProduceOrders);
        var frame = new ProduceFrame(11, ("empire-orders", 64L << 20));

        var broker = h.BrokerReadAsync(frame.Length);
        var sent = await h.ClientSendAsync(frame);
        var received = await broker;
        await h.BrokerSendAsync(Response(11));

        Assert.Equal(frame.Length, received.Bytes);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(received.Sha256));
        Assert.Equal(11, CorrelationOf(await h.ClientReceiveAsync()));
        var record = Assert.Single(h.Records);
        Assert.Equal(FlowVerdict.Forwarded, record.Verdict);
        Assert.Equal(["empire-orders"], record.Topics);
        // 64 MiB went through; the proxy's pipes never held more than the buffer limit plus a few chunks.
        Assert.True(h.PeakPipeBytes < Buffered + (1 << 20), $"peak {h.PeakPipeBytes} bytes in the proxy's pipes");
    }

    [Fact]
    public async Task RunAsync_StreamedProduceDeniedTopic_Error29NothingForwardedConnectionStaysUsable()
    {
        await using var h = new Harness(ProduceOrders);
        var frame = new ProduceFrame(12, ("empire-plans", 8L << 20), ("empire-orders", 1000));

        await h.ClientSendAsync(frame);
        var response = await h.ClientReceiveAsync();
        await h.ClientSendRawAsync(KafkaHex.Frame(KafkaFrames.MetadataV1(13, KafkaFrames.Orders)));
        var next = await h.BrokerReceiveFrameAsync();

        Assert.Equal(12, CorrelationOf(response));
        // Produce v3 response: [topics: name, [partition, error 29, ...]]: both topics carry 29.
        Assert.Equal(2, CountOf(response!, "001d"));
        Assert.Equal(KafkaHex.Show(KafkaHex.Frame(KafkaFrames.MetadataV1(13, KafkaFrames.Orders))), KafkaHex.Show(next)); // the first thing the broker sees
        Assert.Equal(FlowVerdict.Dropped, h.Records[0].Verdict);
        Assert.Equal(29, h.Records[0].ErrorCode);
        Assert.Equal(["empire-plans", "empire-orders"], h.Records[0].Topics);
        Assert.True(h.PeakPipeBytes < Buffered + (1 << 20), $"peak {h.PeakPipeBytes}");
    }

    [Fact]
    public async Task RunAsync_StreamedProduceLaterTopicDenied_ClosedBeforeTheBrokerHasTheWholeFrame()
    {
        await using var h = new Harness(ProduceOrders);
        var frame = new ProduceFrame(14, ("empire-orders", 4L << 20), ("empire-plans", 1000));

        var broker = h.BrokerReadAsync(frame.Length);
        await h.ClientSendAsync(frame, stopOnClose: true);
        var received = await broker;
        await h.Run;

        Assert.True(received.Bytes < frame.Length, $"{received.Bytes} of {frame.Length}");
        Assert.Null(await h.ClientReceiveAsync());
        var record = Assert.Single(h.Records);
        Assert.Equal(FlowVerdict.Dropped, record.Verdict);
        Assert.Contains("empire-plans", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FetchAboveBufferedLimit_ClosedErrorFlowNothingForwarded()
    {
        await using var h = new Harness(KafkaRuleSet.AllowAll);
        // A Fetch header claiming 2 MiB: only Produce is streamed.
        await h.ClientSendRawAsync(KafkaHex.Bytes("00 20 00 00 00 01 00 0b 00 00 00 05 00 07 'rdkafka'"));

        await h.Run;
        Assert.Null(await h.BrokerReceiveFrameAsync());
        var record = Assert.Single(h.Records);
        Assert.Equal(FlowVerdict.Error, record.Verdict);
        Assert.Contains("only a Produce", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StreamedProduceRecordsLengthPastFrame_ClosedErrorFlow()
    {
        await using var h = new Harness(KafkaRuleSet.AllowAll);
        // 2 MiB frame whose records length claims 1 GiB.
        var head = KafkaHex.Bytes("00 00 00 03 00 00 00 15 00 07 'rdkafka' ff ff ff ff 00 00 75 30 00 00 00 01 00 0d 'empire-orders' 00 00 00 01 00 00 00 00 40 00 00 00");
        var frame = new byte[4 + (2 << 20)];
        BinaryPrimitives.WriteInt32BigEndian(frame, 2 << 20);
        head.CopyTo(frame, 4);

        await h.ClientSendRawAsync(frame, stopOnClose: true);
        await h.Run;

        Assert.Null(await h.BrokerReceiveFrameAsync());
        Assert.Equal(FlowVerdict.Error, Assert.Single(h.Records).Verdict);
    }

    private static string Response(int correlation) => $"{correlation:x8} 00 00 00 00 00 00 00 00";

    private static int CorrelationOf(byte[]? frame) => BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4));

    private static int CountOf(byte[] bytes, string hex)
    {
        var text = Convert.ToHexString(bytes);
        var count = 0;
        for (var at = text.IndexOf(hex, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(hex, at + 2, StringComparison.OrdinalIgnoreCase))
        {
            count += at % 2 == 0 ? 1 : 0;
        }
        return count;
    }

    /// <summary>A Produce v3 frame made on the fly: header, then per topic one partition of pseudo-random records.</summary>
    private sealed class ProduceFrame
    {
        private readonly int _correlation;
        private readonly (string Topic, long Records)[] _topics;

        public ProduceFrame(int correlation, params (string Topic, long Records)[] topics)
        {
            _correlation = correlation;
            _topics = topics;
            Length = 4 + Head().Length + topics.Sum(t => TopicHead(t.Topic).Length + t.Records);
        }

        public long Length { get; }

        public IEnumerable<byte[]> Chunks()
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, checked((int)(Length - 4)));
            yield return [.. prefix, .. Head()];
            var random = new Random(_correlation);
            foreach (var (topic, records) in _topics)
            {
                var head = TopicHead(topic);
                BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(head.Length - 4), checked((int)records));
                yield return head;
                for (var left = records; left > 0;)
                {
                    var chunk = new byte[Math.Min(left, 48 * 1024 + 7)];
                    random.NextBytes(chunk);
                    left -= chunk.Length;
                    yield return chunk;
                }
            }
        }

        private byte[] Head() =>
            KafkaHex.Bytes($"00 00 00 03 {_correlation:x8} 00 07 'rdkafka' ff ff ff ff 00 00 75 30 {_topics.Length:x8}");

        private static byte[] TopicHead(string topic) =>
            [.. KafkaHex.Bytes($"{topic.Length:x4}"), .. Encoding.ASCII.GetBytes(topic), .. KafkaHex.Bytes("00 00 00 01 00 00 00 00 00 00 00 00")];
    }

    private sealed class Harness : IKafkaRequestObserver, IAsyncDisposable
    {
        private readonly CountingPool _clientPool = new();
        private readonly CountingPool _brokerPool = new();
        private readonly Pipe _clientToProxy;
        private readonly Pipe _proxyToClient = new();
        private readonly Pipe _proxyToBroker;
        private readonly Pipe _brokerToProxy = new();
        private readonly KafkaProxyConnection _connection;
        private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

        public Harness(KafkaRuleSet rules)
        {
            _clientToProxy = new Pipe(new PipeOptions(pool: _clientPool, useSynchronizationContext: false));
            _proxyToBroker = new Pipe(new PipeOptions(pool: _brokerPool, useSynchronizationContext: false));
            _connection = new KafkaProxyConnection(
                new DuplexPipe(_clientToProxy.Reader, _proxyToClient.Writer),
                new DuplexPipe(_brokerToProxy.Reader, _proxyToBroker.Writer),
                new KafkaRuleSetJudge(() => rules),
                this,
                new KafkaProxyOptions { MaxBufferedRequestBytes = Buffered });
            Run = _connection.RunAsync(_timeout.Token);
        }

        public Task Run { get; }

        public List<KafkaRequestRecord> Records { get; } = [];

        /// <summary>The most bytes the client→proxy and proxy→broker pipes held at once (each pipe's peak, added).</summary>
        public long PeakPipeBytes => _clientPool.Peak + _brokerPool.Peak;

        public void OnRequest(in KafkaRequestRecord record)
        {
            lock (Records)
            {
                Records.Add(record);
            }
        }

        /// <summary>Writes the frame chunk by chunk (never whole); returns its SHA-256.</summary>
        public async Task<byte[]> ClientSendAsync(ProduceFrame frame, bool stopOnClose = false)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var chunk in frame.Chunks())
            {
                sha.AppendData(chunk);
                var flushed = await _clientToProxy.Writer.WriteAsync(chunk, _timeout.Token);
                if (flushed.IsCompleted && stopOnClose)
                {
                    break;
                }
            }
            return sha.GetHashAndReset();
        }

        public async Task ClientSendRawAsync(byte[] bytes, bool stopOnClose = false)
        {
            for (var at = 0; at < bytes.Length; at += 64 * 1024)
            {
                var flushed = await _clientToProxy.Writer.WriteAsync(bytes.AsMemory(at, Math.Min(64 * 1024, bytes.Length - at)), _timeout.Token);
                if (flushed.IsCompleted && stopOnClose)
                {
                    return;
                }
            }
        }

        public async Task BrokerSendAsync(string body) => await _brokerToProxy.Writer.WriteAsync(KafkaHex.Frame(body), _timeout.Token);

        /// <summary>Reads what reaches the broker, up to <paramref name="expected"/> bytes or the close, hashing as it goes.</summary>
        public async Task<(long Bytes, byte[] Sha256)> BrokerReadAsync(long expected)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var reader = _proxyToBroker.Reader;
            long total = 0;
            while (total < expected)
            {
                var result = await reader.ReadAsync(_timeout.Token);
                var take = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, expected - total));
                foreach (var segment in take)
                {
                    sha.AppendData(segment.Span);
                }
                total += take.Length;
                reader.AdvanceTo(take.End);
                if (result.IsCompleted && take.Length == result.Buffer.Length)
                {
                    break;
                }
            }
            return (total, sha.GetHashAndReset());
        }

        public Task<byte[]?> BrokerReceiveFrameAsync() => KafkaHex.ReadFrameAsync(_proxyToBroker.Reader, _timeout.Token);

        public Task<byte[]?> ClientReceiveAsync() => KafkaHex.ReadFrameAsync(_proxyToClient.Reader, _timeout.Token);

        public async ValueTask DisposeAsync()
        {
            await _clientToProxy.Writer.CompleteAsync();
            await _brokerToProxy.Writer.CompleteAsync();
            await Run;
            _connection.Dispose();
            _timeout.Dispose();
        }
    }

    /// <summary>A memory pool that counts the bytes rented and not yet returned, and their peak.</summary>
    private sealed class CountingPool : MemoryPool<byte>
    {
        private readonly object _lock = new();
        private long _outstanding;

        public long Peak { get; private set; }

        public override int MaxBufferSize => 1 << 20;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            var array = ArrayPool<byte>.Shared.Rent(minBufferSize <= 0 ? 4096 : minBufferSize);
            lock (_lock)
            {
                _outstanding += array.Length;
                Peak = Math.Max(Peak, _outstanding);
            }
            return new Owner(this, array);
        }

        protected override void Dispose(bool disposing)
        {
        }

        private void Return(byte[] array)
        {
            lock (_lock)
            {
                _outstanding -= array.Length;
            }
            ArrayPool<byte>.Shared.Return(array);
        }

        private sealed class Owner(CountingPool pool, byte[] array) : IMemoryOwner<byte>
        {
            private byte[]? _array = array;

            public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Owner));

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _array, null) is { } a)
                {
                    pool.Return(a);
                }
            }
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
