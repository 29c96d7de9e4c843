namespace CiliumL7.Proxy.Flows;

/// <summary>
/// A bounded, lock-free queue of <see cref="L7FlowEvent"/> values for many
/// producers (request threads) and one consumer (D. Vyukov's bounded queue:
/// each cell carries a sequence number saying whose turn it is).
/// </summary>
/// <remarks>
/// <code>
///   producer: pos = tail; cell[pos].Seq == pos ? CAS tail → write item → Seq = pos + 1
///                          cell[pos].Seq &lt; pos ? full → false (the caller counts it lost)
///   consumer: cell[head].Seq == head + 1 ? read item → Seq = head + capacity
/// </code>
/// A full queue never blocks a producer and never overwrites: the event is refused.
/// </remarks>
internal sealed class FlowEventQueue
{
    private readonly Cell[] _cells;
    private readonly long _mask;
    private PaddedLong _tail;
    private long _head;

    /// <summary>Creates a queue of <paramref name="capacity"/> events (rounded up to a power of two).</summary>
    public FlowEventQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 24);
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _cells = new Cell[size];
        for (var i = 0; i < size; i++)
        {
            _cells[i].Sequence = i;
        }
        _mask = size - 1;
    }

    /// <summary>Slots in the queue.</summary>
    public int Capacity => _cells.Length;

    /// <summary>Events waiting for the consumer (approximate while producers run).</summary>
    public long Count => Math.Max(0, Volatile.Read(ref _tail.Value) - Volatile.Read(ref _head));

    /// <summary>Appends a copy of <paramref name="item"/>; false when the queue is full. Any thread.</summary>
    public bool TryEnqueue(in L7FlowEvent item)
    {
        var pos = Volatile.Read(ref _tail.Value);
        while (true)
        {
            ref var cell = ref _cells[pos & _mask];
            var seq = Volatile.Read(ref cell.Sequence);
            var diff = seq - pos;
            if (diff == 0)
            {
                var seen = Interlocked.CompareExchange(ref _tail.Value, pos + 1, pos);
                if (seen == pos)
                {
                    cell.Item = item;
                    Volatile.Write(ref cell.Sequence, pos + 1);
                    return true;
                }
                pos = seen;
            }
            else if (diff < 0)
            {
                return false;
            }
            else
            {
                pos = Volatile.Read(ref _tail.Value);
            }
        }
    }

    /// <summary>Takes the oldest event; false when none is ready. Only the one consumer thread may call it.</summary>
    public bool TryDequeue(out L7FlowEvent item)
    {
        var pos = _head;
        ref var cell = ref _cells[pos & _mask];
        if (Volatile.Read(ref cell.Sequence) != pos + 1)
        {
            item = default;
            return false;
        }
        item = cell.Item;
        cell.Item = default; // drop the references (URL, headers) now, not a lap later
        Volatile.Write(ref cell.Sequence, pos + _cells.Length);
        Volatile.Write(ref _head, pos + 1);
        return true;
    }

    private struct Cell
    {
        public long Sequence;
        public L7FlowEvent Item;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        [System.Runtime.InteropServices.FieldOffset(64)]
        public long Value;
    }
}
