namespace CiliumL7.Client.Models;

/// <summary><c>GET /v1/endpoint/{id}/bpf-policy</c>: what the datapath policy map holds for one endpoint.</summary>
public sealed record BpfPolicyModel
{
    /// <summary>Endpoint id.</summary>
    public required int EndpointId { get; init; }

    /// <summary>Ingress enforcement flag as written to the datapath.</summary>
    public bool IngressEnforced { get; init; }

    /// <summary>Egress enforcement flag as written to the datapath.</summary>
    public bool EgressEnforced { get; init; }

    /// <summary>Ingress audit mode as written to the datapath (drops pass, reported as AUDIT).</summary>
    public bool IngressAudit { get; init; }

    /// <summary>Egress audit mode as written to the datapath.</summary>
    public bool EgressAudit { get; init; }

    /// <summary>Policy map entries.</summary>
    public required IReadOnlyList<BpfPolicyEntryModel> Entries { get; init; }
}
