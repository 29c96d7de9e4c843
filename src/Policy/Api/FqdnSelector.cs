namespace CiliumL7.Policy.Api;

/// <summary>One <c>toFQDNs</c> item: <c>matchName</c> or <c>matchPattern</c>.</summary>
public sealed record FqdnSelector
{
    /// <summary><c>matchName</c>.</summary>
    public string? MatchName { get; init; }

    /// <summary><c>matchPattern</c>.</summary>
    public string? MatchPattern { get; init; }
}
