using BenchmarkDotNet.Attributes;
using CiliumL7.Agent.Observability;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Ring;
using CiliumL7.Hubble.Server;
using CiliumL7.Proxy.Flows;

namespace CiliumL7.Perf.Micro;

/// <summary>
/// What one L7 flow costs, per stage (issue 6):
/// <list type="bullet">
/// <item><c>RequestThread_Publish</c>: the proxy's request thread (copy the event into the queue, with a
/// consumer draining it on another core, so the cache line moves as it does in the agent);</item>
/// <item><c>Consumer_RequestFlow</c> / <c>Consumer_ResponseFlow</c>: the background consumer
/// (Hubble protobuf, metrics, uuid, ring) for one flow;</item>
/// <item><c>Ring_Publish</c>: the ring alone (prebuilt flow).</item>
/// </list>
/// <c>dotnet run -c Release --project perf/Micro -- --filter '*FlowBenchmarks*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class FlowBenchmarks : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ciliuml7-bench-" + Environment.ProcessId);
    private BackgroundFlowSink _sink = null!;
    private HubbleServer _hubble = null!;
    private HubbleFlows _feed = null!;
    private FlowRing _ring = null!;
    private Flow _flow = null!;
    private L7FlowEvent _request;
    private L7FlowEvent _response;

    [GlobalSetup]
    public void Setup()
    {
        _sink = new BackgroundFlowSink(new Discard(), batchIntervalMs: 0); // the consumer keeps up: measures the accepted path
        _hubble = new HubbleServer(new HubbleServerOptions { NodeName = "bench", TcpEndPoint = null });
        _feed = FlowSamples.Feed(_hubble, _dir);
        _ring = new FlowRing();
        _request = FlowSamples.Request(1);
        _response = FlowSamples.Response(1);
        var collect = new Collect();
        FlowSamples.Feed(collect, _dir).OnFlow(_request);
        _flow = collect.Last!;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        GC.SuppressFinalize(this);
        _sink.Dispose();
        _hubble.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Benchmark]
    public void RequestThread_Publish() => _sink.Publish(_request);

    [Benchmark]
    public void Consumer_RequestFlow() => _feed.OnFlow(_request);

    [Benchmark]
    public void Consumer_ResponseFlow() => _feed.OnFlow(_response);

    [Benchmark]
    public long Ring_Publish() => _ring.Publish(_flow);

    private sealed class Discard : IFlowEventHandler
    {
        public void OnFlow(in L7FlowEvent flow)
        {
        }
    }

    private sealed class Collect : IFlowPublisher
    {
        public Flow? Last { get; private set; }

        public void Publish(Flow flow) => Last = flow;
    }
}
