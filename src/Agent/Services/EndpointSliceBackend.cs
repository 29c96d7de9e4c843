using System.Net;

namespace CiliumL7.Agent.Services;

/// <summary>
/// One usable address × port of a service's EndpointSlices: the port is matched to the service's
/// port by name (<c>""</c> for an unnamed port) and protocol, and <see cref="Port"/> is the number
/// on the backend (a named targetPort already resolved by whoever wrote the slice).
/// </summary>
public sealed record EndpointSliceBackend(IPAddress Ip, string PortName, int Port, string Protocol);
