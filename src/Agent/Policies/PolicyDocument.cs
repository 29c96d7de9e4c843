using CiliumL7.Policy.Api;

namespace CiliumL7.Agent.Policies;

/// <summary>One policy resource the agent holds, kept as the YAML it came in.</summary>
/// <param name="Kind">CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or NetworkPolicy.</param>
/// <param name="Namespace">Namespace ("" for clusterwide).</param>
/// <param name="Name">metadata.name.</param>
/// <param name="Source"><c>api</c> or the file it was read from.</param>
/// <param name="Yaml">The resource alone, as YAML.</param>
internal sealed record PolicyDocument(string Kind, string Namespace, string Name, string Source, string Yaml)
{
    public string DisplayName => Namespace.Length == 0 ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";

    /// <summary>
    /// What validation read from <see cref="Yaml"/>, so the policy engine does not read the
    /// text again; null when the document did not come through validation in this process
    /// (restored from the state file): the engine reads it then. Not part of equality: two
    /// documents with the same text are the same document.
    /// </summary>
    public IReadOnlyList<PolicyResource>? Resources { get; init; }

    public bool Equals(PolicyDocument? other) =>
        other is not null && Kind == other.Kind && Namespace == other.Namespace && Name == other.Name
        && Source == other.Source && Yaml == other.Yaml;

    public override int GetHashCode() => HashCode.Combine(Kind, Namespace, Name, Source, Yaml);
}
