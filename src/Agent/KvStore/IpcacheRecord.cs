namespace CiliumL7.Agent.KvStore;

/// <summary>
/// The value of <c>cilium/state/ip/v1/&lt;cluster&gt;/&lt;IP&gt;</c>: Cilium's
/// IP → identity pair (its JSON field names), plus the node that owns the pod.
/// </summary>
internal sealed record IpcacheRecord
{
    public required string IP { get; init; }

    public string? HostIP { get; init; }

    public required long ID { get; init; }

    public int Key { get; init; }

    public string? K8sNamespace { get; init; }

    public string? K8sPodName { get; init; }

    /// <summary>The node whose agent published the entry.</summary>
    public string? NodeName { get; init; }
}
