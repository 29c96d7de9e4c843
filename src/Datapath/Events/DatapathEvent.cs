using System.Net;
using CiliumL7.Policy;

namespace CiliumL7.Datapath.Events;

/// <summary>One event from the programs' ring buffer, decoded.</summary>
public sealed record DatapathEvent
{
    /// <summary>When the program saw the packet (wall clock, from CLOCK_MONOTONIC).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Drop or policy verdict.</summary>
    public required DatapathEventType Type { get; init; }

    /// <summary>The drop reason (<see cref="DropReason.None"/> for verdicts).</summary>
    public required DropReason Reason { get; init; }

    /// <summary>Whose policy decided: the destination's ingress or the source's egress.</summary>
    public required TrafficDirection Direction { get; init; }

    /// <summary>Forwarded, dropped or redirected.</summary>
    public required DatapathVerdict Verdict { get; init; }

    /// <summary>Which kind of policy entry matched.</summary>
    public required PolicyMatchType MatchType { get; init; }

    /// <summary>IANA protocol number.</summary>
    public required byte Protocol { get; init; }

    /// <summary>Source address.</summary>
    public required IPAddress Source { get; init; }

    /// <summary>Destination address.</summary>
    public required IPAddress Destination { get; init; }

    /// <summary>Source port (ICMP echo: id).</summary>
    public required ushort SourcePort { get; init; }

    /// <summary>Destination port (ICMP: type).</summary>
    public required ushort DestinationPort { get; init; }

    /// <summary>TCP flags byte of the packet.</summary>
    public required byte TcpFlags { get; init; }

    /// <summary>Source identity.</summary>
    public required uint SourceIdentity { get; init; }

    /// <summary>Destination identity.</summary>
    public required uint DestinationIdentity { get; init; }

    /// <summary>Source endpoint id (0: not local).</summary>
    public required uint SourceEndpoint { get; init; }

    /// <summary>Destination endpoint id (0: not local).</summary>
    public required uint DestinationEndpoint { get; init; }

    /// <summary>The cookie of the deciding policy entry (0: none).</summary>
    public required uint RuleCookie { get; init; }

    /// <summary>The endpoint's policy revision at the time.</summary>
    public required uint PolicyRevision { get; init; }

    /// <summary>Proxy port of a redirect.</summary>
    public required ushort ProxyPort { get; init; }

    /// <summary>The host-side interface the program ran on.</summary>
    public required int Ifindex { get; init; }

    /// <summary>Packet length in bytes.</summary>
    public required uint PacketLength { get; init; }

    /// <summary>True when the packet was a reply of a known connection.</summary>
    public required bool IsReply { get; init; }
}
