using CiliumL7.Hubble.Api;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Events;

/// <summary>One agent event as the buffer holds it.</summary>
/// <param name="Sequence">Position since the buffer was created.</param>
/// <param name="Event">The event (never mutated after publishing).</param>
/// <param name="Time">When it happened.</param>
public sealed record AgentEventRecord(long Sequence, AgentEvent Event, Timestamp Time);
