namespace CiliumL7.Proxy.Http;

/// <summary>
/// Refuses request framing that two parsers could read differently (what
/// Envoy refuses too), on every front end, before any policy decision:
/// <list type="bullet">
/// <item><c>Content-Length</c> other than plain digits (<c>+0</c>, <c>-1</c>, <c>1e3</c>), or repeated with different values;</item>
/// <item><c>Transfer-Encoding</c> other than exactly one <c>chunked</c> (<c>identity, chunked</c>, <c>chunked, chunked</c>, <c>gzip</c>);</item>
/// <item><c>Transfer-Encoding</c> on HTTP/1.0 (RFC 9112 §6.1) or HTTP/2 (a connection-specific field, RFC 9113 §8.2.2).</item>
/// </list>
/// </summary>
internal static class FramingRules
{
    private const int MaxContentLengthDigits = 18;

    public static CanonicalizeError Check(RequestHead head, string protocol)
    {
        var te = head["Transfer-Encoding"];
        if (te.Count > 0)
        {
            if (!string.Equals(protocol, "HTTP/1.1", StringComparison.Ordinal))
            {
                return CanonicalizeError.TransferEncodingNotAllowed;
            }
            if (te.Count != 1 || !string.Equals(te[0]?.Trim(' ', '\t'), "chunked", StringComparison.OrdinalIgnoreCase))
            {
                return CanonicalizeError.InvalidTransferEncoding;
            }
        }
        var cl = head["Content-Length"];
        for (var i = 0; i < cl.Count; i++)
        {
            var value = cl[i].AsSpan().Trim(" \t");
            if (value.IsEmpty || value.Length > MaxContentLengthDigits || value.ContainsAnyExceptInRange('0', '9')
                || (i > 0 && !value.SequenceEqual(cl[0].AsSpan().Trim(" \t"))))
            {
                return CanonicalizeError.InvalidContentLength;
            }
        }
        return CanonicalizeError.None;
    }
}
