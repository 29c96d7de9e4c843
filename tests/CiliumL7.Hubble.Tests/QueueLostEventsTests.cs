using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Tests;

/// <summary>Events lost before the ring (the producers' queue) reach followers and /metrics.</summary>
public sealed class QueueLostEventsTests
{
    [Fact]
    public async Task GetFlows_FollowWhileTheQueueLosesEvents_LostEventWithObserverQueueSourceBeforeTheNextFlow()
    {
        await using var hubble = await TestHubble.StartAsync(metrics: true);
        var lost = 0L;
        hubble.Server.AddLostEventsSource("OBSERVER_EVENTS_QUEUE", () => Interlocked.Read(ref lost));
        hubble.Server.Publish(DeathStarFlows.XwingDrop());
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        using var call = hubble.UnixClient().GetFlows(new GetFlowsRequest { Number = 1, Follow = true }, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token)); // the backlog: the stream is following

        Interlocked.Add(ref lost, 5);
        hubble.Server.Publish(DeathStarFlows.ExhaustPortRequest(200));

        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        var notice = call.ResponseStream.Current.LostEvents;
        Assert.Equal((LostEventSource.ObserverEventsQueue, 5ul), (notice.Source, notice.NumEventsLost));
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal("PUT", call.ResponseStream.Current.Flow.L7.Http.Method);
        var text = hubble.Server.Metrics.Render();
        Assert.Contains("hubble_lost_events_total{source=\"OBSERVER_EVENTS_QUEUE\"} 5\n", text, StringComparison.Ordinal);
    }
}
