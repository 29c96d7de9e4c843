namespace CiliumL7.Policy.Api;

/// <summary>
/// One problem found in a manifest. <see cref="ToString"/> is the one-line
/// message users see, e.g.
/// <c>policies/ds.yaml:14: CiliumNetworkPolicy default/rule1: spec.ingress[0].toPorts[0].rules.http[1].path: "/v1/(" is not a valid regular expression (missing ')').</c>
/// </summary>
public sealed record PolicyError
{
    /// <summary>The file (or source name).</summary>
    public required string Source { get; init; }

    /// <summary>1-based line; 0 when unknown.</summary>
    public int Line { get; init; }

    /// <summary>The resource kind, or empty when the document has none yet.</summary>
    public string Kind { get; init; } = "";

    /// <summary>The resource namespace, if any.</summary>
    public string? Namespace { get; init; }

    /// <summary>The resource name, if known.</summary>
    public string? Name { get; init; }

    /// <summary>The field path, e.g. <c>spec.ingress[0].toPorts[0].ports[0].port</c>; empty for document-level problems.</summary>
    public string FieldPath { get; init; } = "";

    /// <summary>The offending value as written, if any.</summary>
    public string? Value { get; init; }

    /// <summary>What is wrong and how to fix it (starts with the quoted value when there is one).</summary>
    public required string Message { get; init; }

    /// <summary>The one-line message: <c>file:line: Kind ns/name: path: message</c>.</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(Source);
        if (Line > 0)
        {
            sb.Append(':').Append(Line);
        }
        sb.Append(": ");
        if (Kind.Length > 0)
        {
            sb.Append(Kind);
            if (Name is not null)
            {
                sb.Append(' ');
                if (Namespace is not null)
                {
                    sb.Append(Limits.Echo.Truncate(Namespace)).Append('/');
                }
                sb.Append(Limits.Echo.Truncate(Name));
            }
            sb.Append(": ");
        }
        if (FieldPath.Length > 0)
        {
            sb.Append(Limits.Echo.Truncate(FieldPath, 400)).Append(": ");
        }
        sb.Append(Message);
        return sb.ToString();
    }
}
