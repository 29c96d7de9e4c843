namespace CiliumL7.Client.Models;

/// <summary>Answer of <c>DELETE /v1/policy</c>.</summary>
public sealed record PolicyDeleteResult
{
    /// <summary>Policy revision after the delete.</summary>
    public long Revision { get; init; }

    /// <summary>Number of resources removed.</summary>
    public int Deleted { get; init; }
}
