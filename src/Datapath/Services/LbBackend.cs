using System.Net;

namespace CiliumL7.Datapath.Services;

/// <summary>One backend of a frontend: the pod address and the target port.</summary>
/// <param name="Address">Backend pod address (IPv4).</param>
/// <param name="Port">Target port on the pod.</param>
public readonly record struct LbBackend(IPAddress Address, ushort Port)
{
    /// <inheritdoc/>
    public override string ToString() => Address + ":" + Port;
}
