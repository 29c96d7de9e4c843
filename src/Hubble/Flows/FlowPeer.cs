using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Flows;

/// <summary>One side of a connection as <see cref="FlowBuilder"/> takes it: address, port and (if known) endpoint.</summary>
/// <param name="Ip">IPv4 or IPv6 address text.</param>
/// <param name="Port">TCP/UDP port (0 when none).</param>
/// <param name="Endpoint">The Cilium endpoint (ID, identity, namespace, pod, labels) or a reserved-identity stub.</param>
public readonly record struct FlowPeer(string Ip, uint Port, Endpoint? Endpoint);
