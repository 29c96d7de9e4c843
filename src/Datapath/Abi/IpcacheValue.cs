using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_ipcache_value</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct IpcacheValue
{
    /// <summary>identity.</summary>
    public uint Identity;

    /// <summary>endpoint_id: non-zero for a local endpoint.</summary>
    public uint EndpointId;
}
