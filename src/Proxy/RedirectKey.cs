using CiliumL7.Policy;

namespace CiliumL7.Proxy;

/// <summary>
/// What a redirect enforces: the endpoint whose policy applies, the direction
/// seen from that endpoint, and the (destination) port the rules were written for.
/// </summary>
/// <param name="EndpointId">The Cilium endpoint id the policy belongs to.</param>
/// <param name="Direction">Ingress (the endpoint is the server) or egress (the endpoint is the client).</param>
/// <param name="Port">The destination port of the redirected traffic.</param>
public readonly record struct RedirectKey(uint EndpointId, TrafficDirection Direction, ushort Port);
