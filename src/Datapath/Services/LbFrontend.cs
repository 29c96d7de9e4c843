using System.Net;

namespace CiliumL7.Datapath.Services;

/// <summary>A service address as clients dial it: VIP, port and protocol.</summary>
/// <param name="Address">The service VIP (IPv4).</param>
/// <param name="Port">The service port.</param>
/// <param name="Protocol">TCP or UDP.</param>
public readonly record struct LbFrontend(IPAddress Address, ushort Port, LbProtocol Protocol)
{
    /// <inheritdoc/>
    public override string ToString() => Address + ":" + Port + "/" + (Protocol == LbProtocol.Tcp ? "TCP" : "UDP");
}
