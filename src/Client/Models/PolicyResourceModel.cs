namespace CiliumL7.Client.Models;

/// <summary>One policy resource in force.</summary>
public sealed record PolicyResourceModel
{
    /// <summary>Kind: CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or NetworkPolicy.</summary>
    public required string Kind { get; init; }

    /// <summary>Resource name.</summary>
    public required string Name { get; init; }

    /// <summary>Namespace (empty for clusterwide policies).</summary>
    public string Namespace { get; init; } = "";

    /// <summary>Source: <c>api</c> (imported) or the policy file path.</summary>
    public required string Source { get; init; }

    /// <summary>The resource as YAML.</summary>
    public string? Yaml { get; init; }
}
