using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_endpoint</c>: value of <c>cl7_endpoints</c> (key: host-side ifindex).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct EndpointValue
{
    /// <summary>endpoint_id.</summary>
    public uint EndpointId;

    /// <summary>identity.</summary>
    public uint Identity;

    /// <summary>flags (reserved, 0).</summary>
    public uint Flags;

    /// <summary>pad.</summary>
    public uint Pad;
}
