namespace CiliumL7.Policy.Api;

/// <summary>One DNS rule: <c>matchName</c> or <c>matchPattern</c>.</summary>
public sealed record PortRuleDns
{
    /// <summary><c>matchName</c>: an exact name.</summary>
    public string? MatchName { get; init; }

    /// <summary><c>matchPattern</c>: <c>*</c> wildcards, <c>**.</c> prefix.</summary>
    public string? MatchPattern { get; init; }
}
