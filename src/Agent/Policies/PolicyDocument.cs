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
}
