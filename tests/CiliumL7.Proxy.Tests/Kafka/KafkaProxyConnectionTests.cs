using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Kafka;

namespace CiliumL7.Proxy.Tests.Kafka;

/// <summary>
/// The connection logic over in-memory pipes: the test plays the client and the
/// broker byte by byte (the real clients and broker are in the functional tests).
/// </summary>
public sealed class KafkaProxyConnectionTests
{
    private static readonly KafkaRuleSet ProduceOrders = new(
        [KafkaRule.FromSpec(new Policy.Api.PortRuleKafka { Role = "produce", Topic = "empire-orders" }, "default/empire")], "default/empire");

    [Fact]
    public async Task RunAsync_PipelinedAllowAndDeny_ResponsesKeepRequestOrder()
    {
        await using var h = new Harness(ProduceOrders);
        // 1 allowed, 2 denied, 3 allowed, 4 denied, sent back to back.
        await h.ClientSendAsync(KafkaFrames.MetadataV1(1, KafkaFrames.Orders));
        await h.ClientSendAsync(KafkaFrames.MetadataV1(2, KafkaFrames.Plans));
        await h.ClientSendAsync(KafkaFrames.MetadataV1(3, KafkaFrames.Orders));
        await h.ClientSendAsync(KafkaFrames.MetadataV1(4, KafkaFrames.Orders, KafkaFrames.Plans));

        // The broker sees exactly the allowed frames, unchanged.
        Assert.Equal(KafkaHex.Show(KafkaHex.Frame(KafkaFrames.MetadataV1(1, KafkaFrames.Orders))), KafkaHex.Show(await h.BrokerReceiveAsync()));
        Assert.Equal(KafkaHex.Show(KafkaHex.Frame(KafkaFrames.MetadataV1(3, KafkaFrames.Orders))), KafkaHex.Show(await h.BrokerReceiveAsync()));
        // Only now does the broker answer: the synthesized answer to 2 must wait behind 1.
        await h.BrokerSendAsync("00 00 00 01 'broker-1'");
        await h.BrokerSendAsync("00 00 00 03 'broker-3'");

        var order = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            order.Add(CorrelationOf(await h.ClientReceiveAsync()));
        }
        Assert.Equal([1, 2, 3, 4], order);
        Assert.Equal(
            [FlowVerdict.Forwarded, FlowVerdict.Dropped, FlowVerdict.Forwarded, FlowVerdict.Dropped],
            h.Records.Select(r => r.Verdict));
    }

    [Fact]
    public async Task RunAsync_BrokerResponse_BytesUnchanged()
    {
        await using var h = new Harness(ProduceOrders);
        await h.ClientSendAsync(KafkaFrames.ProduceV3(correlation: 7));
        await h.BrokerReceiveAsync();
        await h.BrokerSendAsync("00 00 00 07 00 00 00 01 'anything the broker says'");

        Assert.Equal(KafkaHex.Show(KafkaHex.Frame("00 00 00 07 00 00 00 01 'anything the broker says'")), KafkaHex.Show(await h.ClientReceiveAsync()));
    }

    [Fact]
    public async Task RunAsync_DeniedProduceAcksZero_ConnectionClosedNothingForwarded()
    {
        await using var h = new Harness(ProduceOrders);
        await h.ClientSendAsync(KafkaFrames.ProduceV3(topic: KafkaFrames.Plans, acks: 0));

        await h.Run;
        Assert.Null(await h.BrokerReceiveAsync());
        Assert.Equal(FlowVerdict.Dropped, Assert.Single(h.Records).Verdict);
    }

    public static TheoryData<string, string> BadFrames => new()
    {
        { "size below a header", "00 00 00 04 00 00 00 00" },
        { "negative size", "ff ff ff ff" },
        { "size above the limit", "00 10 00 01" },
        { "unknown api key", "00 00 00 0a 00 63 00 00 00 00 00 01 ff ff" },
        { "lying topic count", "00 00 00 10 00 03 00 01 00 00 00 01 ff ff 7f ff ff ff 00 00" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task RunAsync_MalformedFrame_ClosedRecordedNothingForwarded(string name, string bytes)
    {
        await using var h = new Harness(KafkaRuleSet.AllowAll, maxRequestBytes: 1 << 20);
        await h.ClientSendRawAsync(KafkaHex.Bytes(bytes));

        await h.Run;
        Assert.True(await h.BrokerReceiveAsync() is null, name);
        Assert.Equal(FlowVerdict.Error, Assert.Single(h.Records).Verdict);
        Assert.Null(await h.ClientReceiveAsync());
    }

    [Fact]
    public async Task RunAsync_ResponseWithWrongCorrelationId_Closed()
    {
        await using var h = new Harness(ProduceOrders);
        await h.ClientSendAsync(KafkaFrames.MetadataV1(1, KafkaFrames.Orders));
        await h.BrokerReceiveAsync();
        await h.BrokerSendAsync("00 00 00 02 'not yours'");

        await h.Run;
        Assert.Null(await h.ClientReceiveAsync());
    }

    private static int CorrelationOf(byte[]? frame) => BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4));

    private sealed class Harness : IKafkaRequestObserver, IAsyncDisposable
    {
        private readonly Pipe _clientToProxy = new();
        private readonly Pipe _proxyToClient = new();
        private readonly Pipe _proxyToBroker = new();
        private readonly Pipe _brokerToProxy = new();
        private readonly KafkaProxyConnection _connection;
        private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

        public Harness(KafkaRuleSet rules, int maxRequestBytes = 4 << 20)
        {
            _connection = new KafkaProxyConnection(
                new DuplexPipe(_clientToProxy.Reader, _proxyToClient.Writer),
                new DuplexPipe(_brokerToProxy.Reader, _proxyToBroker.Writer),
                new KafkaRuleSetJudge(() => rules),
                this,
                new KafkaProxyOptions { MaxRequestBytes = maxRequestBytes });
            Run = _connection.RunAsync(_timeout.Token);
        }

        public Task Run { get; }

        public List<KafkaRequestRecord> Records { get; } = [];

        public void OnRequest(in KafkaRequestRecord record)
        {
            lock (Records)
            {
                Records.Add(record);
            }
        }

        public Task ClientSendAsync(string body) => ClientSendRawAsync(KafkaHex.Frame(body));

        public async Task ClientSendRawAsync(byte[] bytes) => await _clientToProxy.Writer.WriteAsync(bytes, _timeout.Token);

        public async Task BrokerSendAsync(string body) => await _brokerToProxy.Writer.WriteAsync(KafkaHex.Frame(body), _timeout.Token);

        public Task<byte[]?> BrokerReceiveAsync() => KafkaHex.ReadFrameAsync(_proxyToBroker.Reader, _timeout.Token);

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

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
