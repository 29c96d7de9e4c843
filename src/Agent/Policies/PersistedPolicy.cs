namespace CiliumL7.Agent.Policies;

/// <summary>An imported policy resource as stored in <c>policies.json</c>.</summary>
internal sealed record PersistedPolicy(string Kind, string Namespace, string Name, string Yaml);
