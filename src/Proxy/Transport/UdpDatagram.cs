using System.Net;

namespace CiliumL7.Proxy.Transport;

/// <summary>One datagram read from a <see cref="TransparentUdpSocket"/>.</summary>
/// <param name="Length">Bytes written to the caller's buffer.</param>
/// <param name="Source">The sender (the pod).</param>
/// <param name="OriginalDestination">Where the sender addressed it (the server the datapath steered it away from).</param>
/// <param name="Truncated">The datagram was longer than the buffer (the rest is lost).</param>
internal readonly record struct UdpDatagram(int Length, IPEndPoint Source, IPEndPoint OriginalDestination, bool Truncated);
