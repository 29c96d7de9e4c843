namespace CiliumL7.Proxy.Kafka;

/// <summary>
/// Keeps responses in request order. Every request that gets a response takes a
/// slot: forwarded requests wait for the broker's response (which arrive in the
/// order they were sent), denied ones hold their synthesized bytes. A synthesized
/// response is written only when every slot before it has been written.
/// Thread safety: all methods take the one lock; the caller serializes writes to
/// the client (<see cref="KafkaProxyConnection"/> holds its write lock).
/// </summary>
internal sealed class KafkaResponseSequencer
{
    private readonly Queue<Slot> _slots = new();
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _slots.Count;
            }
        }
    }

    /// <summary>A forwarded request whose response comes from the broker.</summary>
    public void AddForwarded(KafkaRequest request)
    {
        lock (_lock)
        {
            _slots.Enqueue(new Slot(request, null));
        }
    }

    /// <summary>A synthesized response: true when it may be written now (nothing before it), else it is queued.</summary>
    public bool TryWriteNowOrQueue(KafkaRequest request, byte[] response)
    {
        lock (_lock)
        {
            if (_slots.Count == 0)
            {
                return true;
            }
            _slots.Enqueue(new Slot(request, response));
            return false;
        }
    }

    /// <summary>The request whose response the broker sends next; null when none is awaited.</summary>
    public KafkaRequest? PeekForwarded()
    {
        lock (_lock)
        {
            return _slots.TryPeek(out var head) && head.Synthesized is null ? head.Request : null;
        }
    }

    /// <summary>Removes the head (its broker response was written) and returns the synthesized responses now due, in order.</summary>
    public List<byte[]>? CompleteForwarded()
    {
        lock (_lock)
        {
            _slots.Dequeue();
            List<byte[]>? due = null;
            while (_slots.TryPeek(out var next) && next.Synthesized is { } bytes)
            {
                _slots.Dequeue();
                (due ??= []).Add(bytes);
            }
            return due;
        }
    }

    private readonly record struct Slot(KafkaRequest Request, byte[]? Synthesized);
}
