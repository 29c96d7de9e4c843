namespace CiliumL7.Client.Models;

/// <summary>One policy map entry: (direction, remote identity, protocol, port) → verdict.</summary>
public sealed record BpfPolicyEntryModel
{
    /// <summary><c>ingress</c> or <c>egress</c>.</summary>
    public required string Direction { get; init; }

    /// <summary>Remote identity (0 = any).</summary>
    public long Identity { get; init; }

    /// <summary>Labels of the remote identity, when known.</summary>
    public IReadOnlyList<string> IdentityLabels { get; init; } = [];

    /// <summary>IP protocol (0 = any, 6 TCP, 17 UDP, 1 ICMP, 132 SCTP).</summary>
    public int Protocol { get; init; }

    /// <summary>Destination port (0 = any).</summary>
    public int Port { get; init; }

    /// <summary>Last port of a range (0 when a single port).</summary>
    public int EndPort { get; init; }

    /// <summary><c>allow</c>, <c>deny</c> or <c>redirect</c>.</summary>
    public required string Action { get; init; }

    /// <summary>Proxy port for a redirect.</summary>
    public int ProxyPort { get; init; }

    /// <summary>Policy that produced the entry.</summary>
    public string? PolicyName { get; init; }
}
