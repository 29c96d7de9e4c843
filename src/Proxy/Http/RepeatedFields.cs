using Microsoft.Extensions.Primitives;

namespace CiliumL7.Proxy.Http;

/// <summary>
/// The one rule for a header sent in several fields (RFC 9110 §5.3), applied
/// by the judge and by every forwarding path alike: the values are joined in
/// the order received with <c>","</c> (for <c>Cookie</c>: <c>"; "</c>, RFC 9113
/// §8.2.3), empty values kept — <c>X-Token: ok</c> plus <c>X-Token:</c> is
/// judged and forwarded as <c>ok,</c>, never as <c>ok</c>. The request goes
/// upstream with that one joined field, so the upstream sees what was judged.
/// The HTTP/1.1 fast path hands such requests to Kestrel's path, which does the joining.
/// </summary>
internal static class RepeatedFields
{
    /// <summary>The judged (and forwarded) value of a header whose fields are <paramref name="values"/>.</summary>
    public static string Join(string name, StringValues values)
    {
        if (values.Count == 1)
        {
            return values[0] ?? string.Empty;
        }
        var separator = string.Equals(name, "Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ",";
        return string.Join(separator, (IEnumerable<string?>)values);
    }
}
