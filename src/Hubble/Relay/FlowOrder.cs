using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Relay;

/// <summary>The relay's order of flows from several nodes: by time (then node name, where sorting needs a tie-break).</summary>
internal static class FlowOrder
{
    public static int Compare(Timestamp? a, Timestamp? b) => Key(a).CompareTo(Key(b));

    /// <summary>A sortable key (nanoseconds since the epoch; 0 without a time).</summary>
    public static long Key(Timestamp? t) => t is null ? 0 : (t.Seconds * 1_000_000_000) + t.Nanos;
}
