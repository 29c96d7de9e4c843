using System.Globalization;
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

    [Fact]
    public void Publish_Flow_KeepsItsContentNotTheObject()
    {
        var ring = new FlowRing(7);
        var flow = new Flow { NodeName = "node-a", Uuid = "u-1", Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddSeconds(5)) };
        var seq = ring.Publish(flow);
        flow.NodeName = "changed after publish";

        var first = ring.TryGet(seq)!;
        var second = ring.TryGet(seq)!;

        Assert.Equal("node-a", first.NodeName);
        Assert.Equal("u-1", first.Uuid);
        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(5), ring.TryGetTime(seq));
    }

    [Fact]
    public async Task TryGet_WhileTheWriterLapsTheRing_ReturnsTheFlowOfThatSequenceOrNothing()
    {
        // The buffer of an overwritten flow goes back to the pool while readers may still parse
        // it: a read must give the flow of its own sequence number, whole, or nothing.
        var ring = new FlowRing(15);
        const int flows = 30_000;
        var wrong = 0;
        var good = 0;
        using var start = new Barrier(3);
        var writer = Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < flows; i++)
            {
                ring.Publish(SelfChecking(i));
            }
        });
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            start.SignalAndWait();
            // Until the writer is done (bounded: it publishes a fixed number of flows).
            for (var i = 0; i < 10_000_000 && !writer.IsCompleted; i++)
            {
                var seq = Math.Max(0, ring.SeenFlows - 1 - (i % 24));
                if (ring.TryGet(seq) is not { } flow)
                {
                    continue;
                }
                if (flow.Uuid != seq.ToString(CultureInfo.InvariantCulture) || flow.Summary != SelfChecking(seq).Summary)
                {
                    Interlocked.Increment(ref wrong);
                }
                else
                {
                    Interlocked.Increment(ref good);
                }
            }
        })).ToArray();
        await Task.WhenAll(readers.Append(writer));

        Assert.Equal(0, wrong);
        Assert.True(good > 0);
    }

    private static Flow SelfChecking(long n) => new()
    {
        Uuid = n.ToString(CultureInfo.InvariantCulture),
        Summary = new string((char)('a' + n % 26), (int)(n % 300)),
    };
}
