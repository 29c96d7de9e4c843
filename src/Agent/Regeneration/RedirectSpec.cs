using CiliumL7.Policy;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Agent.Regeneration;

/// <summary>One proxy redirect: L7 traffic of (endpoint, direction, port) steered to a listener on <paramref name="ProxyPort"/>.</summary>
internal sealed record RedirectSpec(int EndpointId, TrafficDirection Direction, ushort Port, byte Protocol, L7Parser Parser, ushort ProxyPort);
