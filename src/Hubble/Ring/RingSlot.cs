using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Ring;

/// <summary>
/// One ring cell: the sequence number written with the flow, so readers detect laps. The flow is
/// kept one of two ways: serialized (a pooled buffer holding its protobuf bytes: no object graph
/// for the GC to promote and later collect from the old generation) or deferred (built when read).
/// </summary>
internal sealed class RingSlot
{
    public RingSlot(long seq, byte[] bytes, int length, DateTimeOffset? time)
    {
        Seq = seq;
        Bytes = bytes;
        Length = length;
        _time = time;
    }

    public RingSlot(long seq, DeferredFlow deferred)
    {
        Seq = seq;
        Deferred = deferred;
    }

    private readonly DateTimeOffset? _time;

    public long Seq { get; }

    /// <summary>The serialized flow's buffer (rented; given back when the cell is overwritten), or null.</summary>
    public byte[]? Bytes { get; }

    public int Length { get; }

    public DeferredFlow? Deferred { get; }

    /// <summary>
    /// Builds the flow. For a serialized slot the bytes may be overwritten while they are read:
    /// the caller must check that the cell still holds this slot afterwards; null when the
    /// bytes did not parse (overwritten midway).
    /// </summary>
    public Flow? Read()
    {
        if (Deferred is { } deferred)
        {
            return deferred.Build();
        }
        try
        {
            return Flow.Parser.ParseFrom(Bytes!, 0, Length);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }

    public DateTimeOffset? Time => Deferred is { } deferred ? deferred.Time : _time;
}
