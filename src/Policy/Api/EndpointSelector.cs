using System.Text;

namespace CiliumL7.Policy.Api;

/// <summary>
/// A label selector (<c>matchLabels</c> AND <c>matchExpressions</c>). Keys may
/// carry a source prefix (<c>k8s:app</c>, <c>reserved:host</c>); a bare key
/// matches a label of any source. <c>{}</c> selects everything.
/// </summary>
public sealed record EndpointSelector
{
    /// <summary><c>matchLabels</c>.</summary>
    public IReadOnlyDictionary<string, string> MatchLabels { get; init; } = new Dictionary<string, string>();

    /// <summary><c>matchExpressions</c>.</summary>
    public IReadOnlyList<LabelSelectorRequirement> MatchExpressions { get; init; } = [];

    /// <summary>The empty selector (selects all).</summary>
    public static EndpointSelector All { get; } = new();

    /// <summary>A canonical text form (sorted), usable as a cache key and for display.</summary>
    public string ToCanonicalString()
    {
        var sb = new StringBuilder("{");
        foreach (var kv in MatchLabels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append(kv.Key).Append('=').Append(kv.Value).Append(',');
        }
        foreach (var req in MatchExpressions.OrderBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Operator, StringComparer.Ordinal))
        {
            sb.Append(req.Key).Append(' ').Append(req.Operator);
            if (req.Values.Count > 0)
            {
                sb.Append(" (").Append(string.Join("|", req.Values.Order(StringComparer.Ordinal))).Append(')');
            }
            sb.Append(',');
        }
        if (sb.Length > 1)
        {
            sb.Length--;
        }
        return sb.Append('}').ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToCanonicalString();
}
