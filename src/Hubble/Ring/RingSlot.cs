using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Ring;

/// <summary>One ring cell: the sequence number written with the flow (built, or deferred until read), so readers detect laps.</summary>
internal sealed record RingSlot(long Seq, Flow? Flow, DeferredFlow? Deferred)
{
    public Flow Read() => Flow ?? Deferred!.Build();

    public DateTimeOffset? Time => Flow is { } flow ? flow.Time?.ToDateTimeOffset() : Deferred!.Time;
}
