using System.Net;

namespace CiliumL7.Proxy.Transport;

/// <summary>Which pooled upstream connections a request may use: same bound source (transparent mode) and same destination.</summary>
/// <param name="Source">The original client address the socket is bound to; null when upstream sockets are not transparent.</param>
/// <param name="Destination">The original destination.</param>
internal readonly record struct UpstreamKey(IPAddress? Source, IPEndPoint Destination);
