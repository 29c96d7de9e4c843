namespace CiliumL7.Policy.Api;

/// <summary><c>log</c>: a value (≤32 printable characters) attached to policy verdict flows.</summary>
public sealed record LogConfig
{
    /// <summary><c>value</c>.</summary>
    public string? Value { get; init; }
}
