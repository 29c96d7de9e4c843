namespace CiliumL7.Proxy;

/// <summary>
/// Socket marks the proxy puts on its upstream connections. They must equal the
/// values in <c>bpf/include/abi.h</c>: the datapath does not redirect a packet
/// carrying them back into the proxy.
/// </summary>
public static class ProxyMarks
{
    /// <summary>"From the ingress/egress proxy, do not redirect" (<c>MARK_MAGIC_PROXY</c>).</summary>
    public const uint FromProxy = 0x0B00;
}
