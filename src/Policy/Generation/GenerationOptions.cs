using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Generation;

/// <summary>What <see cref="PolicyGenerator"/> generates, and from which flows.</summary>
public sealed record GenerationOptions
{
    /// <summary>Only workloads of this namespace get a policy (null: every namespace).</summary>
    public string? Namespace { get; init; }

    /// <summary>Only workloads carrying all of these labels get a policy (empty: every workload).</summary>
    public IReadOnlyList<Label> Selector { get; init; } = [];

    /// <summary>Ignore flows older than this.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Generate HTTP rules, DNS rules and toFQDNs from L7 flows.</summary>
    public bool L7 { get; init; }

    /// <summary>Generate ingress rules (traffic the workload received).</summary>
    public bool Ingress { get; init; } = true;

    /// <summary>Generate egress rules (traffic the workload sent).</summary>
    public bool Egress { get; init; } = true;

    /// <summary>At least this many observed names under one parent domain earn a <c>matchPattern</c> suggestion.</summary>
    public int PatternSuggestionThreshold { get; init; } = 3;
}
