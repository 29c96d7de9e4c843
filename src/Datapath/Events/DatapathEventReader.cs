using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using CiliumL7.Datapath.Abi;
using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Events;

/// <summary>
/// Consumes the <c>cl7_events</c> ring buffer on a dedicated thread
/// (libbpf's ring_buffer__poll) and publishes decoded events on
/// <see cref="Reader"/>. When the consumer falls behind, the oldest events
/// are dropped and counted in <see cref="Lost"/>.
/// </summary>
public sealed unsafe class DatapathEventReader : IDisposable
{
    private readonly Channel<DatapathEvent> _channel;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private GCHandle _self;
    private nint _ring;
    private long _lost;

    internal DatapathEventReader(int mapFd, int capacity)
    {
        _channel = Channel.CreateBounded<DatapathEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = false, SingleWriter = true },
            _ => Interlocked.Increment(ref _lost));
        _self = GCHandle.Alloc(this);
        _ring = LibBpf.RingBufferNew(mapFd, &OnSample, GCHandle.ToIntPtr(_self), 0);
        if (_ring == 0)
        {
            _self.Free();
            throw new DatapathException($"ring_buffer__new on cl7_events failed: {Errno.Describe(Marshal.GetLastPInvokeError())}");
        }
        _thread = new Thread(Poll) { IsBackground = true, Name = "cl7-events" };
        _thread.Start();
    }

    /// <summary>The decoded events, in ring order.</summary>
    public ChannelReader<DatapathEvent> Reader => _channel.Reader;

    /// <summary>Events dropped because the consumer was too slow.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    private void Poll()
    {
        while (!_stop.IsCancellationRequested)
        {
            int ret = LibBpf.RingBufferPoll(_ring, 100);
            if (ret < 0 && ret != -4 /* EINTR */)
            {
                break;
            }
        }
        _channel.Writer.TryComplete();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnSample(nint ctx, nint data, nuint size)
    {
        var self = (DatapathEventReader)GCHandle.FromIntPtr(ctx).Target!;
        if (size < (nuint)sizeof(EventRecord))
        {
            return 0;
        }
        try
        {
            self._channel.Writer.TryWrite(EventDecoder.Decode(*(EventRecord*)data));
        }
        catch (Exception)
        {
            Interlocked.Increment(ref self._lost);
        }
        return 0;
    }

    /// <summary>Stops the poller and frees the ring buffer.</summary>
    public void Dispose()
    {
        if (_ring == 0)
        {
            return;
        }
        _stop.Cancel();
        _thread.Join();
        LibBpf.RingBufferFree(_ring);
        _ring = 0;
        _self.Free();
        _stop.Dispose();
    }
}
