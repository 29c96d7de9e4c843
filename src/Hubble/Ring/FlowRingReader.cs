using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Ring;

/// <summary>
/// A cursor over a <see cref="FlowRing"/>. Not thread-safe: one reader per
/// consumer. When the ring overwrites flows before the reader gets to them,
/// the reader yields one lost-events notice with the exact count and jumps to
/// the oldest flow still held; nothing is skipped silently.
/// </summary>
public sealed class FlowRingReader
{
    private readonly FlowRing _ring;

    internal FlowRingReader(FlowRing ring, long sequence)
    {
        _ring = ring;
        Position = Math.Max(sequence, 0);
    }

    /// <summary>Sequence number of the next flow this reader returns.</summary>
    public long Position { get; private set; }

    /// <summary>Flows this reader missed so far.</summary>
    public long LostEvents { get; private set; }

    /// <summary>
    /// Returns the next event if one is ready now; false when the reader is
    /// at the head (or the next flow is still being written).
    /// </summary>
    public bool TryRead(out RingEvent ringEvent)
    {
        switch (_ring.TryRead(Position, out Flow? flow))
        {
            case RingReadStatus.Ok:
                ringEvent = new RingEvent(flow, 0, Position);
                Position++;
                return true;
            case RingReadStatus.Overwritten:
                var resume = Math.Max(Position + 1, _ring.OldestSequence);
                var lost = resume - Position;
                LostEvents += lost;
                _ring.AddLost(lost);
                Position = resume;
                ringEvent = new RingEvent(null, lost, resume);
                return true;
            default:
                ringEvent = default;
                return false;
        }
    }

    /// <summary>Waits for and returns the next event (follow mode).</summary>
    public async ValueTask<RingEvent> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryRead(out var ringEvent))
            {
                return ringEvent;
            }
            await _ring.WaitAsync(Position, cancellationToken).ConfigureAwait(false);
        }
    }
}
