namespace CiliumL7.Client.Models;

/// <summary><c>GET /v1/status</c>: the agent's health, shaped like <c>cilium status</c>.</summary>
public sealed record StatusModel
{
    /// <summary>Agent process facts.</summary>
    public required AgentStatusModel Agent { get; init; }

    /// <summary>eBPF datapath: programs and maps.</summary>
    public required DatapathStatusModel Datapath { get; init; }

    /// <summary>Embedded L7 proxy.</summary>
    public required ProxyStatusModel Proxy { get; init; }

    /// <summary>Number of local endpoints.</summary>
    public int Endpoints { get; init; }

    /// <summary>Number of identities in use (reserved ones excluded).</summary>
    public int Identities { get; init; }

    /// <summary>Number of policy resources in force.</summary>
    public int Policies { get; init; }

    /// <summary>Policy revision.</summary>
    public long PolicyRevision { get; init; }

    /// <summary>Policy sources rejected by validation.</summary>
    public IReadOnlyList<PolicyErrorModel> PolicyErrors { get; init; } = [];

    /// <summary>The most recent datapath drops (newest last).</summary>
    public IReadOnlyList<DropEventModel> RecentDrops { get; init; } = [];

    /// <summary>Hubble's flow ring, as <c>ciliuml7 status</c> found it (null when not asked).</summary>
    public HubbleStatusModel? Hubble { get; init; }
}
