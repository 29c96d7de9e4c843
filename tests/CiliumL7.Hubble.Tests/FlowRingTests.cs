using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Ring;

namespace CiliumL7.Hubble.Tests;

public sealed class FlowRingTests
{
    private static Flow Numbered(int n) => new() { NodeName = "n" + n };

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    [InlineData(1000)]
    public void Constructor_CapacityNotPowerOfTwoMinusOne_Throws(int capacity)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new FlowRing(capacity));

    [Fact]
    public void Publish_MoreThanCapacity_KeepsNewestAndCountsSeen()
    {
        var ring = new FlowRing(7);
        for (var i = 0; i < 20; i++)
        {
            ring.Publish(Numbered(i));
        }

        Assert.Equal(20, ring.SeenFlows);
        Assert.Equal(7, ring.Count);
        Assert.Equal(13, ring.OldestSequence);
        Assert.Null(ring.TryGet(12));
        Assert.Equal("n13", ring.TryGet(13)!.NodeName);
        Assert.Equal("n19", ring.TryGet(19)!.NodeName);
    }

    [Fact]
    public void Reader_FallsBehind_ReportsExactLostCountThenContinues()
    {
        var ring = new FlowRing(3);
        var reader = ring.CreateReaderAtOldest();
        for (var i = 0; i < 10; i++)
        {
            ring.Publish(Numbered(i));
        }

        Assert.True(reader.TryRead(out var lost));
        Assert.Null(lost.Flow);
        Assert.Equal(7, lost.Lost);
        var names = new List<string>();
        while (reader.TryRead(out var e))
        {
            names.Add(e.Flow!.NodeName);
        }

        Assert.Equal(["n7", "n8", "n9"], names);
        Assert.Equal(7, reader.LostEvents);
        Assert.Equal(7, ring.LostEvents);
    }

    [Fact]
    public async Task ReadAsync_AtHead_CompletesWhenAFlowIsPublished()
    {
        var ring = new FlowRing(15);
        ring.Publish(Numbered(0));
        var reader = ring.CreateReaderAtHead();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var pending = reader.ReadAsync(cts.Token).AsTask();
        Assert.False(pending.IsCompleted);
        ring.Publish(Numbered(1));
        var e = await pending;

        Assert.Equal("n1", e.Flow!.NodeName);
        Assert.Equal(1, e.Sequence);
    }

    [Fact]
    public async Task Publish_ConcurrentWritersAndFollower_FollowerSeesEveryFlowOrCountsItLost()
    {
        const int writers = 4;
        const int perWriter = 5000;
        var ring = new FlowRing(255);
        var reader = ring.CreateReaderAtHead();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = 0L;
        var lost = 0L;
        var follower = Task.Run(async () =>
        {
            while (seen + lost < writers * perWriter)
            {
                var e = await reader.ReadAsync(cts.Token);
                if (e.Flow is null)
                {
                    lost += e.Lost;
                }
                else
                {
                    seen++;
                }
            }
        });
        var producers = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                ring.Publish(Numbered(i));
            }
        })).ToArray();
        await Task.WhenAll(producers);
        await follower;

        Assert.Equal(writers * perWriter, seen + lost);
        Assert.Equal(lost, ring.LostEvents);
        Assert.Equal(writers * perWriter, ring.SeenFlows);
    }
}
