using System.Net;

namespace CiliumL7.Proxy.Flows;

/// <summary>One side of an L7 flow: address, port and what the agent knows about it.</summary>
/// <param name="Address">The IP address.</param>
/// <param name="Port">The TCP port.</param>
/// <param name="Peer">Identity, endpoint id, namespace, pod name and labels.</param>
public sealed record FlowEndpoint(IPAddress Address, ushort Port, PeerInfo Peer);
