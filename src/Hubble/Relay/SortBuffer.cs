using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Relay;

/// <summary>
/// Puts followed flows of several nodes in time order: a flow waits until it is the oldest held
/// and has waited <c>drainTimeout</c>, or the buffer holds more than <c>maxLength</c>
/// (Hubble relay's sort buffer). Memory is bounded by <c>maxLength</c> plus one drain period of arrivals.
/// </summary>
internal sealed class SortBuffer
{
    private readonly PriorityQueue<(GetFlowsResponse Response, long Arrived), (long Time, long Sequence)> _queue = new();
    private readonly int _maxLength;
    private readonly long _drainTicks;
    private long _sequence;

    public SortBuffer(int maxLength, TimeSpan drainTimeout)
    {
        _maxLength = maxLength;
        _drainTicks = drainTimeout.Ticks;
    }

    public int Count => _queue.Count;

    public void Add(GetFlowsResponse response, long nowTicks)
        => _queue.Enqueue((response, nowTicks), (FlowOrder.Key(response.Time), _sequence++));

    /// <summary>The next flow that may leave now, if any.</summary>
    public bool TryTake(long nowTicks, out GetFlowsResponse response)
    {
        if (_queue.TryPeek(out var head, out _) && (_queue.Count > _maxLength || nowTicks - head.Arrived >= _drainTicks))
        {
            response = _queue.Dequeue().Response;
            return true;
        }
        response = null!;
        return false;
    }

    /// <summary>Everything held, oldest first (end of stream).</summary>
    public IEnumerable<GetFlowsResponse> DrainAll()
    {
        while (_queue.TryDequeue(out var item, out _))
        {
            yield return item.Response;
        }
    }
}
