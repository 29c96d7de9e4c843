namespace CiliumL7.Proxy.Flows;

/// <summary>Keeps the last <c>capacity</c> events in a ring (tests and the agent read it).</summary>
public sealed class InMemoryFlowSink : IFlowSink
{
    private readonly L7FlowEvent[] _ring;
    private readonly Lock _lock = new();
    private long _written;

    /// <summary>Creates a ring of <paramref name="capacity"/> events.</summary>
    public InMemoryFlowSink(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new L7FlowEvent[capacity];
    }

    /// <summary>Events ever published (including those overwritten).</summary>
    public long Count => Interlocked.Read(ref _written);

    /// <inheritdoc />
    public void Publish(in L7FlowEvent flow)
    {
        lock (_lock)
        {
            _ring[_written % _ring.Length] = flow;
            _written++;
        }
    }

    /// <summary>The retained events, oldest first.</summary>
    public IReadOnlyList<L7FlowEvent> Snapshot()
    {
        lock (_lock)
        {
            var n = (int)Math.Min(_written, _ring.Length);
            var result = new L7FlowEvent[n];
            var start = _written - n;
            for (var i = 0; i < n; i++)
            {
                result[i] = _ring[(start + i) % _ring.Length];
            }
            return result;
        }
    }
}
