using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;
using CiliumL7.Hubble.Metrics;
using CiliumL7.Hubble.Ring;

namespace CiliumL7.Hubble.Tests;

public sealed class DeferredFlowTests
{
    private const string Url = "http://deathstar.default.svc.cluster.local/v1/exhaust-port";

    [Theory]
    [InlineData(L7FlowType.Request, Verdict.Forwarded, TrafficDirection.Ingress, 0u)]
    [InlineData(L7FlowType.Request, Verdict.Dropped, TrafficDirection.Egress, 0u)]
    [InlineData(L7FlowType.Request, Verdict.Error, TrafficDirection.Ingress, 0u)]
    [InlineData(L7FlowType.Response, Verdict.Forwarded, TrafficDirection.Ingress, 403u)]
    [InlineData(L7FlowType.Response, Verdict.Forwarded, TrafficDirection.Egress, 200u)]
    public void ObserveHttp_SameFacts_SameMetricsAsObserveOfTheBuiltFlow(L7FlowType type, Verdict verdict, TrafficDirection direction, uint code)
    {
        var built = new MetricsRegistry();
        new FlowMetrics(built).Observe(Build(type, verdict, direction, code));
        var counted = new MetricsRegistry();
        new FlowMetrics(counted).ObserveHttp(type, verdict, direction, "PUT", "HTTP/1.1", code, type == L7FlowType.Response ? 1_500_000ul : 0);

        Assert.Equal(built.Render(), counted.Render());
    }

    [Fact]
    public void ObserveHttp_MixedSequenceTwice_SameMetricsAsObserve()
    {
        (L7FlowType Type, Verdict Verdict, TrafficDirection Direction, uint Code)[] sequence =
        [
            (L7FlowType.Request, Verdict.Forwarded, TrafficDirection.Ingress, 0),
            (L7FlowType.Response, Verdict.Forwarded, TrafficDirection.Ingress, 200),
            (L7FlowType.Request, Verdict.Dropped, TrafficDirection.Ingress, 0),
            (L7FlowType.Response, Verdict.Forwarded, TrafficDirection.Ingress, 403),
            (L7FlowType.Request, Verdict.Forwarded, TrafficDirection.Egress, 0),
            (L7FlowType.Response, Verdict.Forwarded, TrafficDirection.Egress, 200),
        ];
        var built = new MetricsRegistry();
        var builtMetrics = new FlowMetrics(built);
        var counted = new MetricsRegistry();
        var countedMetrics = new FlowMetrics(counted);
        for (var round = 0; round < 2; round++)
        {
            foreach (var (type, verdict, direction, code) in sequence)
            {
                builtMetrics.Observe(Build(type, verdict, direction, code));
                countedMetrics.ObserveHttp(type, verdict, direction, "PUT", "HTTP/1.1", code, type == L7FlowType.Response ? 1_500_000ul : 0);
                countedMetrics.ObserveHttp(type, verdict, direction, "PUT", "HTTP/1.1", code, type == L7FlowType.Response ? 1_500_000ul : 0);
                builtMetrics.Observe(Build(type, verdict, direction, code));
            }
        }

        Assert.Equal(built.Render(), counted.Render());
        Assert.Contains("hubble_http_requests_total{method=\"PUT\",protocol=\"HTTP/1.1\",status=\"403\",reporter=\"server\"} 4\n", counted.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_Deferred_BuiltOnEveryReadWithFixedUuidNodeNameAndCountedOnce()
    {
        await using var hubble = await TestHubble.StartAsync();
        var deferred = new Sample(Build(L7FlowType.Response, Verdict.Forwarded, TrafficDirection.Ingress, 403));

        hubble.Server.Publish(deferred);

        var first = hubble.Server.Ring.TryGet(0)!;
        var second = hubble.Server.Ring.TryGet(0)!;
        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(36, first.Uuid.Length);
        Assert.Equal("node-test", first.NodeName);
        Assert.Equal(deferred.Time, hubble.Server.Ring.TryGetTime(0));
        Assert.Equal(1, deferred.Counted);
        var responses = await hubble.UnixClient().GetFlowsAsync(new GetFlowsRequest { Number = 1 });
        Assert.Equal(first, Assert.Single(responses).Flow);
    }

    private static Flow Build(L7FlowType type, Verdict verdict, TrafficDirection direction, uint code)
    {
        var client = new FlowPeer("10.244.0.3", 44396, FlowBuilder.NewEndpoint(3, 1001, "default", "tiefighter", "k8s:class=tiefighter"));
        var server = new FlowPeer("10.244.0.7", 80, FlowBuilder.NewEndpoint(7, 2002, "default", "deathstar", "k8s:class=deathstar"));
        var time = DateTimeOffset.UnixEpoch.AddDays(20_000);
        return type == L7FlowType.Request
            ? FlowBuilder.HttpRequest(client, server, direction, verdict, "PUT", Url, "HTTP/1.1", time)
            : FlowBuilder.HttpResponse(client, server, direction, verdict, code, "PUT", Url, TimeSpan.FromTicks(15_000), "HTTP/1.1", time);
    }

    private sealed class Sample(Flow template) : DeferredFlow
    {
        public int Counted { get; private set; }

        public override DateTimeOffset Time => template.Time.ToDateTimeOffset();

        public override void Count(FlowMetrics metrics)
        {
            Counted++;
            metrics.Observe(template);
        }

        protected override Flow BuildFlow() => template.Clone();
    }
}
