using System.Text.RegularExpressions;

namespace CiliumL7.Policy.L7;

/// <summary>
/// One compiled <c>PortRuleHTTP</c>: method, path and host are anchored,
/// linear-time regexes (full match); headers are exact values or presence.
/// Every field present must match (AND).
/// </summary>
public sealed class HttpRule : IL7Rule
{
    /// <inheritdoc />
    public Resolution.L7Parser Parser => Resolution.L7Parser.Http;

    private readonly FieldMatcher? _method;
    private readonly FieldMatcher? _path;
    private readonly FieldMatcher? _host;
    private readonly HeaderCondition[] _headers;

    /// <summary>Compiles a rule. Throws <see cref="ArgumentException"/> when a pattern is not a linear-time regex.</summary>
    /// <param name="method">Method regex, or null/empty for any.</param>
    /// <param name="path">Path regex (matched against path and query), or null/empty for any.</param>
    /// <param name="host">Host regex, or null/empty for any.</param>
    /// <param name="headers">Cilium <c>headers</c> entries: <c>"Name: value"</c> (exact) or <c>"Name"</c> (present).</param>
    /// <param name="policyName">The <c>namespace/name</c> of the policy this rule came from.</param>
    public HttpRule(string? method, string? path, string? host, IReadOnlyList<string>? headers, string policyName)
        : this(method, path, host, headers, null, policyName, null)
    {
    }

    /// <summary>Compiles a rule with <c>headerMatches</c> and the field path it came from (for traces).</summary>
    /// <param name="method">Method regex, or null/empty for any.</param>
    /// <param name="path">Path regex (matched against path and query), or null/empty for any.</param>
    /// <param name="host">Host regex, or null/empty for any.</param>
    /// <param name="headers">Cilium <c>headers</c> entries.</param>
    /// <param name="headerMatches">Cilium <c>headerMatches</c> as (name, value or null for presence, mismatch action or null).</param>
    /// <param name="policyName">The <c>namespace/name</c> of the policy this rule came from.</param>
    /// <param name="rulePath">The field path of the rule, e.g. <c>spec.ingress[0].toPorts[0].rules.http[1]</c>.</param>
    public HttpRule(string? method, string? path, string? host, IReadOnlyList<string>? headers,
        IReadOnlyList<(string Name, string? Value, string? Mismatch)>? headerMatches, string policyName, string? rulePath)
    {
        _method = FieldMatcher.Create(method, ignoreCase: false);
        _path = FieldMatcher.Create(path, ignoreCase: false);
        _host = FieldMatcher.Create(host, ignoreCase: true);
        var conditions = new List<HeaderCondition>();
        if (headers is not null)
        {
            foreach (var header in headers)
            {
                conditions.Add(HeaderCondition.Parse(header));
            }
        }
        if (headerMatches is not null)
        {
            foreach (var (name, value, mismatch) in headerMatches)
            {
                // A mismatch action (LOG, ADD, DELETE, REPLACE) means "do not deny on mismatch".
                if (string.IsNullOrEmpty(mismatch))
                {
                    conditions.Add(new HeaderCondition(name.Trim(), value));
                }
            }
        }
        _headers = [.. conditions];
        PolicyName = policyName;
        RulePath = rulePath;
        if (!string.IsNullOrEmpty(path))
        {
            LiteralPath = RegexLiterals.Literal(path);
            PathPrefix = RegexLiterals.Prefix(path);
            PathFoot = _path?.Foot ?? "";
        }
        Method = method;
        Path = path;
        Host = host;
    }

    /// <summary>The exact target this rule's path matches when the path is a plain literal; else null.</summary>
    internal string? LiteralPath { get; }

    /// <summary>A literal every matching target starts with ("" = unknown).</summary>
    internal string PathPrefix { get; } = "";

    /// <summary>A literal every matching target ends with ("" = unknown).</summary>
    internal string PathFoot { get; } = "";

    /// <summary>The field path of the rule in its policy, when known.</summary>
    public string? RulePath { get; }

    /// <summary>The method regex as written (null = any).</summary>
    public string? Method { get; }

    /// <summary>The path regex as written (null = any).</summary>
    public string? Path { get; }

    /// <summary>The host regex as written (null = any).</summary>
    public string? Host { get; }

    /// <summary>The policy this rule came from.</summary>
    public string PolicyName { get; }

    /// <summary>True when every field of the rule matches the request.</summary>
    public bool Matches(IHttpRequestFacts request)
    {
        if (_method is not null && !_method.IsMatch(request.Method))
        {
            return false;
        }
        if (_path is not null && !_path.IsMatch(request.PathAndQuery))
        {
            return false;
        }
        if (_host is not null && !_host.IsMatch(request.Host))
        {
            return false;
        }
        foreach (var header in _headers)
        {
            if (!request.TryGetHeader(header.Name, out var value) || (header.Value is not null && !string.Equals(header.Value, value, StringComparison.Ordinal)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Compiles <paramref name="pattern"/> as a full-match, NonBacktracking regex (shared per distinct pattern); null for "any".</summary>
    public static Regex? CompileAnchored(string? pattern, RegexOptions extra = RegexOptions.None) =>
        string.IsNullOrEmpty(pattern) ? null : LinearRegex.Compile(LinearRegex.Anchor(pattern), extra);

    private readonly record struct HeaderCondition(string Name, string? Value)
    {
        public static HeaderCondition Parse(string text)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0
                ? new HeaderCondition(text.Trim(), null)
                : new HeaderCondition(text[..colon].Trim(), text[(colon + 1)..].Trim());
        }
    }
}
