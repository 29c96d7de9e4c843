namespace CiliumL7.Client.Models;

/// <summary>A policy source that failed validation, with every error.</summary>
public sealed record PolicyErrorModel
{
    /// <summary>The file (or <c>api</c>) that was rejected.</summary>
    public required string Source { get; init; }

    /// <summary>Every validation error, one per line, each naming file, resource and field.</summary>
    public required IReadOnlyList<string> Errors { get; init; }
}
