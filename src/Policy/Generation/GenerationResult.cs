namespace CiliumL7.Policy.Generation;

/// <summary>What <see cref="PolicyGenerator.Generate"/> produced and from what.</summary>
public sealed record GenerationResult
{
    /// <summary>One policy per workload, ordered by namespace and name.</summary>
    public required IReadOnlyList<GeneratedPolicy> Policies { get; init; }

    /// <summary>The flows that contributed (after filtering).</summary>
    public required IReadOnlyList<ObservedFlow> Used { get; init; }

    /// <summary>Flows read but left out, with why (counts per reason).</summary>
    public required IReadOnlyDictionary<string, int> Skipped { get; init; }

    /// <summary>Every policy as one YAML stream (<c>---</c> between documents).</summary>
    public string Yaml => string.Join("---\n", Policies.Select(p => p.Yaml));
}
