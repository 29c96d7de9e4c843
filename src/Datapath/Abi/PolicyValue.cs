using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Abi;

/// <summary><c>struct cl7_policy_value</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PolicyValue
{
    /// <summary>verdict: 1 allow, 2 deny, 3 redirect.</summary>
    public byte Verdict;

    /// <summary>l4_prefix: the key's prefixlen minus 88.</summary>
    public byte L4Prefix;

    /// <summary>proxy_port (host order).</summary>
    public ushort ProxyPort;

    /// <summary>cookie: the rule id events name.</summary>
    public uint Cookie;
}
