namespace CiliumL7.Policy.Api;

/// <summary>
/// The outcome of parsing one or more manifests: every valid resource and every
/// problem. A resource with any error is left out of <see cref="Resources"/>;
/// callers that load files atomically (the agent) reject a whole file when
/// <see cref="IsValid"/> is false.
/// </summary>
public sealed record PolicyParseResult
{
    /// <summary>The valid resources, in file and document order.</summary>
    public required IReadOnlyList<PolicyResource> Resources { get; init; }

    /// <summary>Every problem found, in file and line order.</summary>
    public required IReadOnlyList<PolicyError> Errors { get; init; }

    /// <summary>True when there is no error.</summary>
    public bool IsValid => Errors.Count == 0;
}
