using System.Net;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.Tracing;

/// <summary>"What would happen if a pod with these labels sent this to a pod with those labels?"</summary>
public sealed record TraceRequest
{
    /// <summary>The source pod's labels, including the namespace label.</summary>
    public required LabelSet Source { get; init; }

    /// <summary>The destination pod's labels, including the namespace label (empty with <see cref="DestinationFqdn"/>).</summary>
    public required LabelSet Destination { get; init; }

    /// <summary>
    /// A destination outside the cluster reached by name: an address that an
    /// allowed DNS answer for this name gave the source (what <c>toFQDNs</c> selects).
    /// </summary>
    public string? DestinationFqdn { get; init; }

    /// <summary>
    /// Set when the source is outside the cluster: its address (it gets a CIDR
    /// identity, <see cref="Source"/> is ignored and no egress policy applies).
    /// </summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary>Set when the destination is outside the cluster: its address (see <see cref="SourceAddress"/>).</summary>
    public IPAddress? DestinationAddress { get; init; }

    /// <summary>The destination port.</summary>
    public required ushort Port { get; init; }

    /// <summary>The IP protocol (<see cref="Protocols"/>); TCP by default.</summary>
    public byte Protocol { get; init; } = Protocols.Tcp;

    /// <summary>The HTTP request, when judging HTTP rules (default <c>GET /</c>).</summary>
    public TraceHttpRequest? Http { get; init; }

    /// <summary>The DNS query name, when judging DNS rules.</summary>
    public string? DnsQuery { get; init; }

    /// <summary>The Kafka request, when judging Kafka rules.</summary>
    public TraceKafkaRequest? Kafka { get; init; }
}
