namespace CiliumL7.Proxy.Flows;

/// <summary>
/// The request thread's side of flow events: a copy of the event into a bounded
/// lock-free queue and nothing else; one background thread hands the events, in
/// order, to an <see cref="IFlowEventHandler"/> (which builds the Hubble flow,
/// counts metrics, fills the ring).
/// </summary>
/// <remarks>
/// <code>
///  request threads ──Publish(in event)──► FlowEventQueue (bounded, lock-free)
///                       │ full: Lost++ (never blocks, never overwrites)
///                       ▼
///  consumer thread: drain → handler.OnFlow(each) → sleep one batch interval
///                   (so a busy proxy wakes it once per batch) → empty: park until
///                   the next Publish wakes it
/// </code>
/// Readers that need what was published so far (tests, a status request) call
/// <see cref="Flush"/>, a bounded wait.
/// </remarks>
public sealed class BackgroundFlowSink : IFlowSink, IDisposable
{
    /// <summary>
    /// Default queue size: 16,384 events (128 bytes each, 2 MB, all of it resident
    /// once traffic has cycled through it). The consumer drains every 5 ms, so this
    /// is ~80 ms of 200k flows/s (100k requests/s) before an event is lost; 64k
    /// cells kept 8 MB resident for a burst the consumer never lets build up.
    /// </summary>
    public const int DefaultCapacity = 1 << 14;

    private readonly FlowEventQueue _queue;
    private readonly IFlowEventHandler _handler;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);
    private readonly int _batchIntervalMs;
    private long _enqueued;
    private long _handled;
    private long _lost;
    private long _failed;
    private int _parked;
    private volatile bool _stopping;

    /// <summary>Starts the consumer thread.</summary>
    /// <param name="handler">Called on the consumer thread for every event.</param>
    /// <param name="capacity">Queue size (rounded up to a power of two); events beyond it are counted in <see cref="Lost"/>.</param>
    /// <param name="batchIntervalMs">How long the consumer sleeps after a non-empty batch (0: only yield).</param>
    public BackgroundFlowSink(IFlowEventHandler handler, int capacity = DefaultCapacity, int batchIntervalMs = 1)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfNegative(batchIntervalMs);
        _handler = handler;
        _queue = new FlowEventQueue(capacity);
        _batchIntervalMs = batchIntervalMs;
        _thread = new Thread(Run) { IsBackground = true, Name = "ciliuml7-flows" };
        _thread.Start();
    }

    /// <summary>Queue size.</summary>
    public int Capacity => _queue.Capacity;

    /// <summary>Events accepted into the queue.</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);

    /// <summary>Events the handler has taken (including those it failed on).</summary>
    public long Handled => Volatile.Read(ref _handled);

    /// <summary>Events refused because the queue was full (Hubble's OBSERVER_EVENTS_QUEUE lost events).</summary>
    public long Lost => Interlocked.Read(ref _lost);

    /// <summary>Events whose handler threw.</summary>
    public long Failed => Volatile.Read(ref _failed);

    /// <summary>Events waiting in the queue.</summary>
    public long Pending => _queue.Count;

    /// <inheritdoc />
    public void Publish(in L7FlowEvent flow)
    {
        if (!_queue.TryEnqueue(flow))
        {
            Interlocked.Increment(ref _lost);
            return;
        }
        Interlocked.Increment(ref _enqueued);
        if (Volatile.Read(ref _parked) != 0 && Interlocked.Exchange(ref _parked, 0) != 0)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// Waits (bounded) until the handler has taken every event published before the call.
    /// Returns false on timeout.
    /// </summary>
    public bool Flush(TimeSpan timeout)
    {
        var target = Enqueued;
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Handled < target)
        {
            if (Environment.TickCount64 >= deadline || !_thread.IsAlive)
            {
                return false;
            }
            Thread.Sleep(1);
        }
        return true;
    }

    /// <summary>Handles what is queued, then stops the consumer thread.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        _wake.Set();
        _thread.Join();
        _wake.Dispose();
    }

    private void Run()
    {
        var handled = 0L;
        while (true)
        {
            var before = handled;
            while (_queue.TryDequeue(out var flow))
            {
                try
                {
                    _handler.OnFlow(in flow);
                }
#pragma warning disable CA1031 // a bad event must not stop the flow pipeline; it is counted
                catch (Exception)
#pragma warning restore CA1031
                {
                    Volatile.Write(ref _failed, _failed + 1);
                }
                Volatile.Write(ref _handled, ++handled);
            }
            if (handled != before)
            {
                // Something was handled: let the next batch gather instead of waking per event.
                if (_batchIntervalMs > 0 && !_stopping)
                {
                    Thread.Sleep(_batchIntervalMs);
                }
                continue;
            }
            if (_queue.Count > 0)
            {
                Thread.Yield(); // a producer reserved a cell and is still writing it
                continue;
            }
            if (_stopping)
            {
                return;
            }
            _wake.Reset();
            Interlocked.Exchange(ref _parked, 1);
            if (_queue.Count > 0 || _stopping)
            {
                Interlocked.Exchange(ref _parked, 0);
                continue;
            }
            _wake.Wait();
        }
    }
}
