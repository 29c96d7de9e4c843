using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_metrics_key</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MetricsKey
{
    /// <summary>reason: drop reason, 0 = forwarded.</summary>
    public byte Reason;

    /// <summary>direction.</summary>
    public byte Direction;

    /// <summary>pad.</summary>
    public ushort Pad;
}
