namespace CiliumL7.Policy.Api;

/// <summary>
/// One valid policy resource: its rules (a NetworkPolicy is converted to the
/// equivalent Cilium rules) and where it was read from.
/// </summary>
public sealed record PolicyResource
{
    /// <summary><see cref="PolicyKinds"/> value.</summary>
    public required string Kind { get; init; }

    /// <summary>The namespace (defaults to <c>default</c>); null for a clusterwide policy.</summary>
    public string? Namespace { get; init; }

    /// <summary><c>metadata.name</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The rules (<c>spec</c> first, then <c>specs</c>).</summary>
    public required IReadOnlyList<Rule> Rules { get; init; }

    /// <summary>The file (or source name) the resource came from.</summary>
    public required string Source { get; init; }

    /// <summary>The 1-based line of the resource in <see cref="Source"/>.</summary>
    public int Line { get; init; }

    /// <summary><c>metadata.labels</c>.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The annotation that puts a policy in audit mode: <c>ciliuml7.io/audit: "true"</c>.</summary>
    public const string AuditAnnotation = "ciliuml7.io/audit";

    /// <summary>
    /// Audit mode: the policy is evaluated but not enforced — what it would
    /// drop or deny still flows and is reported with verdict AUDIT.
    /// </summary>
    public bool Audit { get; init; }

    /// <summary><c>namespace/name</c>, or <c>name</c> for a clusterwide policy (Hubble's policy name form).</summary>
    public string QualifiedName => _qualifiedName ??= Namespace is null ? Name : Namespace + "/" + Name;

    private string? _qualifiedName;

    /// <summary>True for CiliumClusterwideNetworkPolicy.</summary>
    public bool IsClusterwide => Kind == PolicyKinds.CiliumClusterwideNetworkPolicy;
}
