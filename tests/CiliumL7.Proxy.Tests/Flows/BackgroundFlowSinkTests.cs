using System.Net;
using CiliumL7.Policy;
using CiliumL7.Proxy.Flows;

namespace CiliumL7.Proxy.Tests.Flows;

public sealed class BackgroundFlowSinkTests
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(30);
    private static readonly FlowEndpoint Endpoint = new(IPAddress.Loopback, 1, PeerInfo.World);

    [Fact]
    public void Publish_FourThreads_EveryEventHandledOnceInPublishOrderPerThread()
    {
        var handler = new Recorder();
        using var sink = new BackgroundFlowSink(handler, capacity: 1 << 16);
        const int PerThread = 10_000;
        var threads = new Thread[4];
        for (var t = 0; t < threads.Length; t++)
        {
            var thread = (ulong)t;
            threads[t] = new Thread(() =>
            {
                for (var i = 0UL; i < PerThread; i++)
                {
                    sink.Publish(Event((thread << 32) | i));
                }
            });
            threads[t].Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.True(sink.Flush(Bounded));
        Assert.Equal((40_000L, 40_000L, 0L), (sink.Enqueued, sink.Handled, sink.Lost));
        var seen = handler.Ids();
        Assert.Equal(40_000, seen.Count);
        for (var t = 0UL; t < 4; t++)
        {
            var mine = seen.Where(id => id >> 32 == t).Select(id => id & 0xFFFFFFFF).ToList();
            Assert.Equal(Enumerable.Range(0, PerThread).Select(i => (ulong)i), mine);
        }
    }

    [Fact]
    public void Publish_SmallQueueManyLaps_EveryEventHandledOrCountedLostInOrder()
    {
        var handler = new Recorder();
        using var sink = new BackgroundFlowSink(handler, capacity: 8, batchIntervalMs: 0);
        const int PerThread = 50_000;
        var threads = new Thread[2];
        for (var t = 0; t < threads.Length; t++)
        {
            var thread = (ulong)t;
            threads[t] = new Thread(() =>
            {
                for (var i = 0UL; i < PerThread; i++)
                {
                    sink.Publish(Event((thread << 32) | i));
                }
            });
            threads[t].Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.True(sink.Flush(Bounded));
        var seen = handler.Ids();
        Assert.Equal(2L * PerThread, seen.Count + sink.Lost);
        Assert.Equal(seen.Count, sink.Handled);
        for (var t = 0UL; t < 2; t++)
        {
            var mine = seen.Where(id => id >> 32 == t).Select(id => id & 0xFFFFFFFF).ToList();
            Assert.Equal(mine.Order(), mine);
            Assert.Equal(mine.Distinct().Count(), mine.Count);
        }
    }

    [Fact]
    public void Publish_QueueFull_RefusedEventsCountedAsLostWithoutBlocking()
    {
        using var gate = new ManualResetEventSlim();
        using var entered = new ManualResetEventSlim();
        var handler = new Recorder(gate, entered);
        using var sink = new BackgroundFlowSink(handler, capacity: 4);
        sink.Publish(Event(0));
        Assert.True(entered.Wait(Bounded), "the consumer takes the first event");

        for (var i = 1UL; i <= 10; i++)
        {
            sink.Publish(Event(i)); // the consumer is stuck in the handler: 4 fit, 6 are refused
        }
        Assert.Equal(6, sink.Lost);
        gate.Set();

        Assert.True(sink.Flush(Bounded));
        Assert.Equal([0UL, 1, 2, 3, 4], handler.Ids());
        Assert.Equal((5L, 6L), (sink.Handled, sink.Lost));
    }

    [Fact]
    public void Publish_HandlerThrows_CountedAndNextEventStillHandled()
    {
        var handler = new Recorder(throwOn: 1);
        using var sink = new BackgroundFlowSink(handler);
        for (var i = 0UL; i < 3; i++)
        {
            sink.Publish(Event(i));
        }

        Assert.True(sink.Flush(Bounded));
        Assert.Equal([0UL, 2], handler.Ids());
        Assert.Equal((3L, 1L), (sink.Handled, sink.Failed));
    }

    [Fact]
    public void Dispose_EventsQueued_HandledBeforeTheThreadEnds()
    {
        var handler = new Recorder();
        var sink = new BackgroundFlowSink(handler, batchIntervalMs: 50);
        for (var i = 0UL; i < 100; i++)
        {
            sink.Publish(Event(i));
        }
        sink.Dispose();

        Assert.Equal(100, handler.Ids().Count);
    }

    private static L7FlowEvent Event(ulong id) => new()
    {
        Time = DateTimeOffset.UnixEpoch,
        Type = L7FlowType.Request,
        Verdict = FlowVerdict.Forwarded,
        Direction = TrafficDirection.Ingress,
        Source = Endpoint,
        Destination = Endpoint,
        ProxyPort = 1,
        EndpointId = 1,
        RequestId = id,
        Http = new HttpFlowInfo(0, "GET", "http://a/", "HTTP/1.1", []),
    };

    private sealed class Recorder(ManualResetEventSlim? gate = null, ManualResetEventSlim? entered = null, ulong? throwOn = null) : IFlowEventHandler
    {
        private readonly List<ulong> _ids = [];

        public void OnFlow(in L7FlowEvent flow)
        {
            entered?.Set();
            gate?.Wait();
            if (flow.RequestId == throwOn)
            {
                throw new InvalidOperationException("bad event");
            }
            lock (_ids)
            {
                _ids.Add(flow.RequestId);
            }
        }

        public List<ulong> Ids()
        {
            lock (_ids)
            {
                return [.. _ids];
            }
        }
    }
}
