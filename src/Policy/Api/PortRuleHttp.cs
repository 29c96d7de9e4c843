namespace CiliumL7.Policy.Api;

/// <summary>
/// One HTTP rule: every field present must match (AND). <see cref="Path"/>,
/// <see cref="Method"/> and <see cref="Host"/> are regexes, full match; the
/// path is matched against the request target including the query string.
/// </summary>
public sealed record PortRuleHttp
{
    /// <summary><c>path</c> regex.</summary>
    public string? Path { get; init; }

    /// <summary><c>method</c> regex.</summary>
    public string? Method { get; init; }

    /// <summary><c>host</c> regex (case-insensitive).</summary>
    public string? Host { get; init; }

    /// <summary><c>headers</c>: <c>"Name: value"</c> (exact) or <c>"Name"</c> (present).</summary>
    public IReadOnlyList<string>? Headers { get; init; }

    /// <summary><c>headerMatches</c>.</summary>
    public IReadOnlyList<HeaderMatch>? HeaderMatches { get; init; }
}
