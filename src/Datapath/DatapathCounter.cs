namespace CiliumL7.Datapath;

/// <summary>Packets and bytes per (reason, direction), summed over CPUs.</summary>
/// <param name="Reason">0 forwarded, else a <see cref="Events.DropReason"/>.</param>
/// <param name="Direction">1 ingress, 2 egress (as in Hubble).</param>
/// <param name="Packets">Packets.</param>
/// <param name="Bytes">Bytes.</param>
public sealed record DatapathCounter(byte Reason, byte Direction, ulong Packets, ulong Bytes);
