using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_metrics_value</c>: value of <c>cl7_counters</c> (one per CPU).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MetricsValue
{
    /// <summary>packets.</summary>
    public ulong Packets;

    /// <summary>bytes.</summary>
    public ulong Bytes;
}
