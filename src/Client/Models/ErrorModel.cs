namespace CiliumL7.Client.Models;

/// <summary>Error body of every non-2xx agent answer.</summary>
public sealed record ErrorModel
{
    /// <summary>One-line summary.</summary>
    public required string Message { get; init; }

    /// <summary>Every individual error (e.g. each policy validation error).</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];
}
