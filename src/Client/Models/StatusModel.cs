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

    /// <summary>The agent audits every policy (<c>--policy-audit-mode</c>).</summary>
    public bool PolicyAuditMode { get; init; }

    /// <summary>Policies in audit mode and where: <c>default/strict: ingress of endpoint 1</c>.</summary>
    public IReadOnlyList<string> AuditedPolicies { get; init; } = [];

    /// <summary>Policy revision.</summary>
    public long PolicyRevision { get; init; }

    /// <summary>The newest policy revision in force in the datapath and proxy (equal to <see cref="PolicyRevision"/> once applied).</summary>
    public long PolicyRevisionApplied { get; init; }

    /// <summary>Why the last policy regeneration failed (the previous policy stays in force); null when it succeeded.</summary>
    public string? PolicyApplyError { get; init; }

    /// <summary>The policy revision whose regeneration failed with <see cref="PolicyApplyError"/>.</summary>
    public long PolicyApplyErrorRevision { get; init; }

    /// <summary>Policy sources rejected by validation.</summary>
    public IReadOnlyList<PolicyErrorModel> PolicyErrors { get; init; } = [];

    /// <summary>The most recent datapath drops (newest last).</summary>
    public IReadOnlyList<DropEventModel> RecentDrops { get; init; } = [];

    /// <summary>The kvstore (etcd) connection; Disabled on a standalone node.</summary>
    public KvStoreStatusModel? KvStore { get; init; }

    /// <summary>The Kubernetes API server's watches; Disabled without one.</summary>
    public KubernetesStatusModel? Kubernetes { get; init; }

    /// <summary>Hubble's flow ring, as <c>ciliuml7 status</c> found it (null when not asked).</summary>
    public HubbleStatusModel? Hubble { get; init; }

    /// <summary>The FQDN cache (toFQDNs); null when the agent has none.</summary>
    public FqdnStatusModel? Fqdn { get; init; }
}
