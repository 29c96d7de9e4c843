namespace CiliumL7.Client.Models;

/// <summary>Answer of <c>PUT /v1/policy</c>.</summary>
public sealed record PolicyImportResult
{
    /// <summary>Policy revision after the import.</summary>
    public long Revision { get; init; }

    /// <summary>Resources imported, as <c>Kind namespace/name</c>.</summary>
    public required IReadOnlyList<string> Imported { get; init; }
}
