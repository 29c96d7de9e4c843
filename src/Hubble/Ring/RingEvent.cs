using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Ring;

/// <summary>
/// What a <see cref="FlowRingReader"/> hands out: either a flow, or the number
/// of flows the reader missed because the ring overwrote them.
/// </summary>
/// <param name="Flow">The next flow, or null for a lost-events notice.</param>
/// <param name="Lost">Flows skipped (0 when <paramref name="Flow"/> is set).</param>
/// <param name="Sequence">Sequence number of the flow (or of the first flow after the gap).</param>
public readonly record struct RingEvent(Flow? Flow, long Lost, long Sequence);
