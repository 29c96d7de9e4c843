using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Ring;
using CiliumL7.Hubble.Services;

namespace CiliumL7.Hubble.Tests;

public sealed class FlowStreamerTests
{
    [Fact]
    public async Task RunAsync_FollowerBlockedWhileRingLaps_EmitsLostEventWithExactCount()
    {
        var ring = new FlowRing(7);
        ring.Publish(DeathStarFlows.XwingDrop(0));
        var streamer = new FlowStreamer(ring, "node-x");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstEmitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var responses = new List<GetFlowsResponse>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var run = streamer.RunAsync(new GetFlowsRequest { Number = 1, Follow = true }, async (response, _) =>
        {
            responses.Add(response);
            if (responses.Count == 1)
            {
                firstEmitted.SetResult();
                await gate.Task; // the client stalls after the backlog
            }
            if (responses.Sum(r => r.LostEvents is null ? 1 : (int)r.LostEvents.NumEventsLost) >= 101)
            {
                await cts.CancelAsync();
            }
        }, cts.Token);
        await firstEmitted.Task.WaitAsync(cts.Token);
        for (var i = 1; i <= 100; i++)
        {
            ring.Publish(DeathStarFlows.XwingDrop(i));
        }
        gate.SetResult();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var lost = Assert.Single(responses, r => r.LostEvents is not null).LostEvents;
        Assert.Equal(LostEventSource.HubbleRingBuffer, lost.Source);
        Assert.Equal(93ul, lost.NumEventsLost);
        Assert.Equal(8, responses.Count(r => r.Flow is not null)); // the backlog flow + the 7 the ring still held
        Assert.Equal(93, ring.LostEvents);
    }
}
