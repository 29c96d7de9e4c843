namespace CiliumL7.Hubble.Services;

/// <summary>What the Observer API reports about this node.</summary>
/// <param name="Name">Node name (flows' node_name when a producer leaves it empty).</param>
/// <param name="Version">Version string reported by ServerStatus/GetNodes.</param>
/// <param name="Address">Address peers reach the Observer API on ("127.0.0.1:4244" or "unix:///…/hubble.sock").</param>
/// <param name="StartedAt">When the observer started (for uptime_ns).</param>
public sealed record HubbleNode(string Name, string Version, string Address, DateTimeOffset StartedAt)
{
    /// <summary>Nanoseconds since <see cref="StartedAt"/>.</summary>
    public ulong UptimeNs => (ulong)Math.Max(0, (DateTimeOffset.UtcNow - StartedAt).Ticks) * 100;
}
