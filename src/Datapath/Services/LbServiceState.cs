namespace CiliumL7.Datapath.Services;

/// <summary>A frontend as read back from the service map.</summary>
/// <param name="Frontend">VIP, port, protocol.</param>
/// <param name="RevNatIndex">The service id stored in the master slot.</param>
/// <param name="Backends">Backends in slot order (slot 1 first).</param>
public sealed record LbServiceState(LbFrontend Frontend, ushort RevNatIndex, IReadOnlyList<LbBackend> Backends);
