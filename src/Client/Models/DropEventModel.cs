namespace CiliumL7.Client.Models;

/// <summary>A packet the datapath dropped, as reported on the events ring buffer.</summary>
public sealed record DropEventModel
{
    /// <summary>When the agent received the event (UTC).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Reason code (133 POLICY_DENIED, 181 POLICY_DENY, ...).</summary>
    public required int Reason { get; init; }

    /// <summary>Reason name.</summary>
    public required string ReasonName { get; init; }

    /// <summary>Source identity.</summary>
    public long SourceIdentity { get; init; }

    /// <summary>Destination identity.</summary>
    public long DestinationIdentity { get; init; }

    /// <summary>Source address.</summary>
    public string? SourceIp { get; init; }

    /// <summary>Destination address.</summary>
    public string? DestinationIp { get; init; }

    /// <summary>Source port.</summary>
    public int SourcePort { get; init; }

    /// <summary>Destination port.</summary>
    public int DestinationPort { get; init; }

    /// <summary>IP protocol number (6 TCP, 17 UDP, 1 ICMP).</summary>
    public int Protocol { get; init; }

    /// <summary><c>ingress</c> or <c>egress</c>.</summary>
    public string? Direction { get; init; }

    /// <summary>Endpoint the drop was accounted to.</summary>
    public int EndpointId { get; init; }
}
