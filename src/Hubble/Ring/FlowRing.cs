using System.Buffers;
using CiliumL7.Hubble.Api;
using Google.Protobuf;

namespace CiliumL7.Hubble.Ring;

/// <summary>
/// The node's flow buffer, like Hubble's ring: a fixed number of the most
/// recent flows, overwritten oldest-first. Writers never block (one CAS per
/// flow); readers walk it with a <see cref="FlowRingReader"/> cursor and are
/// told exactly how many flows they missed when they fall behind.
/// </summary>
/// <remarks>
/// <code>
///   Publish ──► seq = next++ ──► slots[seq &amp; mask] = (seq, flow) ──► wake followers
///   reader(seq): slot.Seq == seq → flow · slot.Seq &gt; seq → lost · else → wait
/// </code>
/// The slot array has capacity + 1 entries (a power of two), so the capacity
/// is 2^n - 1 as in Hubble; one slot of slack absorbs a write in progress.
/// A published <see cref="Flow"/> is kept as its protobuf bytes in a pooled buffer and
/// parsed per read; a <see cref="DeferredFlow"/> is built per read. Either way every
/// reader gets its own <see cref="Flow"/>.
/// <para>
/// Why bytes: a flow lives in the ring for as long as the ring takes to lap (seconds at a
/// few thousand flows a second). Kept as objects (~25 per flow) they all survive the young
/// generations and die in the old one, and the old generation then fills every second or
/// so: a blocking full collection (tens of milliseconds on one CPU) stalled the proxy's
/// threads that often. A buffer rented from the pool is reused, so nothing per flow
/// reaches the old generation.
/// </para>
/// <para>
/// A buffer goes back to the pool once its cell was overwritten, while a reader may still
/// be parsing it: readers parse, then check that the cell still holds the same slot, and
/// treat a changed cell as overwritten (what they parsed is dropped).
/// </para>
/// </remarks>
public sealed class FlowRing
{
    /// <summary>Hubble's default capacity.</summary>
    public const int DefaultCapacity = 4095;

    private readonly RingSlot?[] _slots;
    private readonly long _mask;
    private long _next;
    private long _lostEvents;
    private TaskCompletionSource? _waiter;

    /// <summary>Creates a ring holding <paramref name="capacity"/> flows (2^n - 1, 1..2^24-1).</summary>
    public FlowRing(int capacity = DefaultCapacity)
    {
        if (capacity < 1 || capacity > (1 << 24) - 1 || ((capacity + 1) & capacity) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity,
                "flow ring capacity must be a power of two minus one (1, 3, 7, ..., 4095, ..., 16777215)");
        }
        Capacity = capacity;
        _slots = new RingSlot?[capacity + 1];
        _mask = capacity;
    }

    /// <summary>How many flows the ring keeps.</summary>
    public int Capacity { get; }

    /// <summary>Flows published since the ring was created (Hubble's seen_flows).</summary>
    public long SeenFlows => Volatile.Read(ref _next);

    /// <summary>Flows currently held (Hubble's num_flows).</summary>
    public long Count => Math.Min(SeenFlows, Capacity);

    /// <summary>Sequence number of the oldest flow still readable.</summary>
    public long OldestSequence => Math.Max(0, SeenFlows - Capacity);

    /// <summary>Flows that readers missed because the ring overwrote them first, summed over all readers.</summary>
    public long LostEvents => Volatile.Read(ref _lostEvents);

    /// <summary>
    /// Appends a flow and wakes followers. Safe from any number of threads. The ring keeps
    /// the flow's bytes, not the object: changes made to it afterwards are not seen.
    /// Returns the flow's sequence number.
    /// </summary>
    public long Publish(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var length = flow.CalculateSize();
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        flow.WriteTo(bytes.AsSpan(0, length));
        var seq = Interlocked.Increment(ref _next) - 1;
        return Append(new RingSlot(seq, bytes, length, flow.Time?.ToDateTimeOffset()));
    }

    /// <summary>
    /// Appends a flow that is built only when read (see <see cref="DeferredFlow"/>).
    /// Safe from any number of threads. Returns the flow's sequence number.
    /// </summary>
    public long Publish(DeferredFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var seq = Interlocked.Increment(ref _next) - 1;
        return Append(new RingSlot(seq, flow));
    }

    private long Append(RingSlot slot)
    {
        var seq = slot.Seq;
        ref var cell = ref _slots[seq & _mask];
        var current = Volatile.Read(ref cell);
        var stored = false;
        // A writer stalled for a whole lap must not overwrite a newer flow.
        while (current is null || current.Seq < seq)
        {
            var seen = Interlocked.CompareExchange(ref cell, slot, current);
            if (ReferenceEquals(seen, current))
            {
                stored = true;
                break;
            }
            current = seen;
        }
        // The overwritten flow's buffer (or ours, when a newer flow won the cell) goes back
        // to the pool; a reader still parsing it sees the cell changed and drops the result.
        var released = stored ? current?.Bytes : slot.Bytes;
        if (released is not null)
        {
            ArrayPool<byte>.Shared.Return(released);
        }
        if (Volatile.Read(ref _waiter) is not null)
        {
            Interlocked.Exchange(ref _waiter, null)?.TrySetResult();
        }
        return seq;
    }

    /// <summary>Creates a cursor positioned at <paramref name="sequence"/> (clamped to what is readable).</summary>
    public FlowRingReader CreateReader(long sequence) => new(this, sequence);

    /// <summary>Creates a cursor that sees only flows published from now on.</summary>
    public FlowRingReader CreateReaderAtHead() => new(this, SeenFlows);

    /// <summary>Creates a cursor at the oldest flow still held.</summary>
    public FlowRingReader CreateReaderAtOldest() => new(this, OldestSequence);

    /// <summary>
    /// Reads the flow at <paramref name="sequence"/> without a cursor: the flow,
    /// or null when it was overwritten or is not yet written.
    /// </summary>
    public Flow? TryGet(long sequence)
    {
        if (sequence < OldestSequence)
        {
            return null;
        }
        var slot = Volatile.Read(ref _slots[sequence & _mask]);
        return slot is not null && slot.Seq == sequence ? ReadWhileHeld(slot) : null;
    }

    /// <summary>
    /// The time of the flow at <paramref name="sequence"/> without building it: null when
    /// it was overwritten or is not yet written (or has no time).
    /// </summary>
    public DateTimeOffset? TryGetTime(long sequence)
    {
        if (sequence < OldestSequence)
        {
            return null;
        }
        var slot = Volatile.Read(ref _slots[sequence & _mask]);
        return slot is not null && slot.Seq == sequence ? slot.Time : null;
    }

    internal RingReadStatus TryRead(long sequence, out Flow? flow)
    {
        var status = Locate(sequence, out var slot);
        flow = status == RingReadStatus.Ok ? ReadWhileHeld(slot!) : null;
        return status == RingReadStatus.Ok && flow is null ? RingReadStatus.Overwritten : status;
    }

    /// <summary>Where <paramref name="sequence"/> stands, and its slot when it is there (nothing is parsed).</summary>
    private RingReadStatus Locate(long sequence, out RingSlot? slot)
    {
        slot = null;
        var next = Volatile.Read(ref _next);
        if (sequence >= next)
        {
            return RingReadStatus.NotYet;
        }
        if (sequence < next - Capacity)
        {
            // Outside the window the ring promises to keep (the spare slot may still hold it).
            return RingReadStatus.Overwritten;
        }
        var held = Volatile.Read(ref _slots[sequence & _mask]);
        if (held is null || held.Seq < sequence)
        {
            // Reserved by a writer that has not stored it yet.
            return RingReadStatus.NotYet;
        }
        if (held.Seq > sequence)
        {
            return RingReadStatus.Overwritten;
        }
        slot = held;
        return RingReadStatus.Ok;
    }

    /// <summary>The slot's flow, or null when its cell was overwritten while it was read (its buffer reused).</summary>
    private Flow? ReadWhileHeld(RingSlot slot)
    {
        var flow = slot.Read();
        return flow is not null && ReferenceEquals(Volatile.Read(ref _slots[slot.Seq & _mask]), slot) ? flow : null;
    }

    internal void AddLost(long count) => Interlocked.Add(ref _lostEvents, count);

    /// <summary>Completes when something was published at or after <paramref name="sequence"/>.</summary>
    internal Task WaitAsync(long sequence, CancellationToken cancellationToken)
    {
        var waiter = Volatile.Read(ref _waiter);
        if (waiter is null)
        {
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiter = Interlocked.CompareExchange(ref _waiter, fresh, null) ?? fresh;
        }
        Interlocked.MemoryBarrier();
        // Re-check after the waiter is visible so no Publish can slip between.
        if (Locate(sequence, out _) != RingReadStatus.NotYet)
        {
            return Task.CompletedTask;
        }
        return waiter.Task.WaitAsync(cancellationToken);
    }
}
