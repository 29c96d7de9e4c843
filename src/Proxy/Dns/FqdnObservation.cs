using System.Net;

namespace CiliumL7.Proxy.Dns;

/// <summary>What one allowed DNS answer told a pod.</summary>
/// <param name="EndpointId">The local endpoint (pod) that asked.</param>
/// <param name="QueryName">The question's name: lower-case, with the trailing dot.</param>
/// <param name="Addresses">A and AAAA records of the name, following its CNAME chain, each with its TTL in seconds.</param>
/// <param name="Cnames">The CNAME targets followed, in order (lower-case, trailing dot).</param>
/// <param name="ObservedAt">When the answer reached the proxy.</param>
public sealed record FqdnObservation(
    uint EndpointId,
    string QueryName,
    IReadOnlyList<(IPAddress Address, uint TtlSeconds)> Addresses,
    IReadOnlyList<string> Cnames,
    DateTimeOffset ObservedAt);
