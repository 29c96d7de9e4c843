using System.Diagnostics;
using CiliumL7.Agent.L7;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using CiliumL7.Hubble.Server;
using Grpc.Core;

namespace CiliumL7.Perf.Micro;

/// <summary>
/// Flows per second the real pipeline sustains (issue 6), without BenchmarkDotNet:
/// <code>
///  --flows S        producer thread ─► AgentFlowSink queue ─► consumer (HubbleFlows → HubbleServer: metrics + ring)
///  --grpc-follow S  the same, plus one GetFlows follow stream on a unix socket counting what it receives
/// </code>
/// The producer publishes request/response pairs as fast as it can for S seconds (or at
/// RATE flows/s with a third argument), so the consumer (and the stream) run flat out; what
/// the queue refuses is counted as lost, what the stream misses arrives as LostEvents.
/// </summary>
internal static class FlowThroughput
{
    public static async Task RunAsync(string mode, double seconds, double rate = 0)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ciliuml7-flowbench-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var socket = Path.Combine(dir, "hubble.sock");
        var grpc = mode == "--grpc-follow";
        try
        {
            await using var hubble = new HubbleServer(new HubbleServerOptions
            {
                NodeName = "bench",
                TcpEndPoint = null,
                UnixSocketPath = grpc ? socket : null,
                RingCapacity = int.TryParse(Environment.GetEnvironmentVariable("FLOWBENCH_RING"), out var ring) ? ring : 4095,
            });
            await hubble.StartAsync();
            using var sink = new AgentFlowSink();
            if (Environment.GetEnvironmentVariable("FLOWBENCH_QUEUE_ONLY") != "1")
            {
                sink.Observer = FlowSamples.Feed(hubble, dir); // FLOWBENCH_QUEUE_ONLY=1: only the queue and its thread (the baseline)
            }

            using var stop = new CancellationTokenSource();
            long received = 0, lostSeen = 0;
            Task? follower = null;
            if (grpc)
            {
                var started = new TaskCompletionSource();
                follower = Task.Run(async () =>
                {
                    using var channel = HubbleChannel.ForUnixSocket(socket);
                    var client = new Observer.ObserverClient(channel);
                    using var call = client.GetFlows(new GetFlowsRequest { Follow = true }, cancellationToken: stop.Token);
                    started.TrySetResult();
                    try
                    {
                        while (await call.ResponseStream.MoveNext(stop.Token))
                        {
                            var response = call.ResponseStream.Current;
                            if (response.Flow is not null)
                            {
                                Interlocked.Increment(ref received);
                            }
                            else if (response.LostEvents is { } lost)
                            {
                                Interlocked.Add(ref lostSeen, (long)lost.NumEventsLost);
                            }
                        }
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
                    {
                    }
                    catch (OperationCanceledException)
                    {
                    }
                });
                await started.Task;
                await Task.Delay(200); // the stream is registered before flows start
            }

            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var gc0 = GC.CollectionCount(0) + GC.CollectionCount(1) * 1000 + GC.CollectionCount(2) * 1_000_000;
            var watch = Stopwatch.StartNew();
            var deadline = TimeSpan.FromSeconds(seconds);
            ulong id = 0;
            while (watch.Elapsed < deadline)
            {
                for (var i = 0; i < 256; i++)
                {
                    id++;
                    sink.Publish(FlowSamples.Request(id));
                    sink.Publish(FlowSamples.Response(id));
                }
                if (rate > 0)
                {
                    // Paced: flows published so far vs the target rate.
                    while (id * 2 > watch.Elapsed.TotalSeconds * rate)
                    {
                        Thread.Sleep(1);
                    }
                }
                else if (sink.Pending > sink.QueueCapacity / 2)
                {
                    Thread.Yield(); // let the consumer run on a shared core instead of only counting losses
                }
            }
            var published = (long)id * 2;
            sink.Flush(TimeSpan.FromSeconds(60));
            var elapsed = watch.Elapsed.TotalSeconds;
            var handled = sink.Observer is null ? published - sink.Lost : hubble.Ring.SeenFlows;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            if (follower is not null)
            {
                var settle = Stopwatch.StartNew();
                while (Interlocked.Read(ref received) + Interlocked.Read(ref lostSeen) < handled && settle.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(20);
                }
                elapsed = watch.Elapsed.TotalSeconds;
                await stop.CancelAsync();
                await follower;
            }
            Console.WriteLine($"{mode} {seconds}s{(rate > 0 ? $" at {rate:N0} flows/s" : " flat out")}: published {published:N0} events, queue lost {sink.Lost:N0}, into the ring {handled:N0} flows in {elapsed:F2} s");
            Console.WriteLine($"  consumer: {handled / elapsed:N0} flows/s into ring + metrics; process CPU {cpu:F2} s = {cpu * 1e6 / Math.Max(1, handled):F2} us/flow (producer + consumer + GC; {Environment.ProcessorCount} CPUs visible)");
            if (grpc)
            {
                Console.WriteLine($"  GetFlows follow stream: received {received:N0} flows = {received / elapsed:N0} flows/s; lost events reported to the client {lostSeen:N0} (ring overwrote them first)");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
