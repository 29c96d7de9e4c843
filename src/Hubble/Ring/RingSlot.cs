using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Ring;

/// <summary>One ring cell: the sequence number written with the flow, so readers detect laps.</summary>
internal sealed record RingSlot(long Seq, Flow Flow);
