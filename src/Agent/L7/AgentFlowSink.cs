using CiliumL7.Proxy.Flows;

namespace CiliumL7.Agent.L7;

/// <summary>
/// Where the proxy's L7 flow events go. The request thread only queues the event
/// (<see cref="BackgroundFlowSink"/>); one consumer thread keeps the last N (for
/// status and tests) and hands every event to the <see cref="Observer"/> (the
/// Hubble feed: protobuf, metrics, ring, export). A full queue loses the event
/// and counts it in <see cref="Lost"/>; nothing blocks the request.
/// </summary>
internal sealed class AgentFlowSink : IFlowSink, IFlowEventHandler, IDisposable
{
    private readonly L7FlowEvent[] _recent;
    private readonly Lock _recentLock = new();
    private readonly BackgroundFlowSink _queue;
    private long _recentCount;
    private IFlowEventHandler? _observer;

    /// <summary>How long the consumer lets a batch gather after handling one (Hubble readers see a flow within about this).</summary>
    public const int BatchIntervalMs = 5;

    public AgentFlowSink(int capacity = 1024, int queueCapacity = BackgroundFlowSink.DefaultCapacity)
    {
        _recent = new L7FlowEvent[capacity];
        _queue = new BackgroundFlowSink(this, queueCapacity, BatchIntervalMs);
    }

    /// <summary>Called on the consumer thread for every flow (after it is recorded).</summary>
    public IFlowEventHandler? Observer
    {
        get => Volatile.Read(ref _observer);
        set => Volatile.Write(ref _observer, value);
    }

    /// <summary>Events refused because the queue was full.</summary>
    public long Lost => _queue.Lost;

    /// <summary>Events queued and not yet handled.</summary>
    public long Pending => _queue.Pending;

    /// <summary>Events whose observer threw.</summary>
    public long Failed => _queue.Failed;

    /// <summary>Queue size.</summary>
    public int QueueCapacity => _queue.Capacity;

    public void Publish(in L7FlowEvent flow) => _queue.Publish(flow);

    void IFlowEventHandler.OnFlow(in L7FlowEvent flow)
    {
        lock (_recentLock)
        {
            _recent[_recentCount % _recent.Length] = flow;
            _recentCount++;
        }
        Observer?.OnFlow(flow);
    }

    /// <summary>Waits (bounded) until every event published so far has reached the observer.</summary>
    public bool Flush(TimeSpan timeout) => _queue.Flush(timeout);

    /// <summary>The last <paramref name="count"/> flows, oldest first (after a bounded flush).</summary>
    public List<L7FlowEvent> Last(int count)
    {
        _queue.Flush(TimeSpan.FromSeconds(1));
        lock (_recentLock)
        {
            var n = (int)Math.Min(Math.Min(count, _recentCount), _recent.Length);
            var result = new List<L7FlowEvent>(n);
            for (var seq = _recentCount - n; seq < _recentCount; seq++)
            {
                result.Add(_recent[seq % _recent.Length]);
            }
            return result;
        }
    }

    public void Dispose() => _queue.Dispose();
}
