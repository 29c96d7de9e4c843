using CiliumL7.Policy;

namespace CiliumL7.Proxy;

/// <summary>
/// What a redirect enforces: the endpoint whose policy applies, the direction
/// seen from that endpoint, and the (destination) port and IP protocol the rules were written for.
/// </summary>
/// <param name="EndpointId">The Cilium endpoint id the policy belongs to.</param>
/// <param name="Direction">Ingress (the endpoint is the server) or egress (the endpoint is the client).</param>
/// <param name="Port">The destination port of the redirected traffic.</param>
/// <param name="Protocol">The IP protocol of the redirected traffic (6 TCP, 17 UDP).</param>
public readonly record struct RedirectKey(uint EndpointId, TrafficDirection Direction, ushort Port, byte Protocol = RedirectKey.Tcp)
{
    /// <summary>IPPROTO_TCP.</summary>
    public const byte Tcp = 6;

    /// <summary>IPPROTO_UDP.</summary>
    public const byte Udp = 17;
}
