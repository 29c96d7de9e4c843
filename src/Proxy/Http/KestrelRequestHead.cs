using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace CiliumL7.Proxy.Http;

/// <summary>The head of a request Kestrel parsed (HTTP/1.x or HTTP/2), read through its request feature.</summary>
internal sealed class KestrelRequestHead : RequestHead
{
    private IHttpRequestFeature _request = null!;
    private IHttpExtendedConnectFeature? _connect;

    public void Initialize(IHttpRequestFeature request, IHttpExtendedConnectFeature? connect)
    {
        _request = request;
        _connect = connect;
    }

    public override string? ConnectProtocol => _connect is { IsExtendedConnect: true } connect ? connect.Protocol : null;

    public override string Method => _request.Method;

    public override string Protocol => _request.Protocol;

    public override string RawTarget => _request.RawTarget;

    public override int HeaderCount => _request.Headers.Count;

    public override StringValues this[string name] => _request.Headers.TryGetValue(name, out var values) ? values : StringValues.Empty;

    public override bool CheckHeaders(List<KeyValuePair<string, string>>? flowHeaders, bool redact)
    {
        var http2 = string.Equals(_request.Protocol, "HTTP/2", StringComparison.Ordinal);
        foreach (var header in _request.Headers)
        {
            if (!IsValidFieldName(header.Key, http2))
            {
                return false; // HTTP/2 names are not checked by the HPACK decoder: space, ':', CR, LF (RFC 9113 §8.2.1)
            }
            foreach (var value in header.Value)
            {
                if (!IsValidHeaderValue(value))
                {
                    return false;
                }
                AddFlowHeader(flowHeaders, header.Key, value, redact);
            }
        }
        return true;
    }

    /// <summary>A token (RFC 9110 §5.1); on HTTP/2 also a pseudo-header as Kestrel keeps it (leading ':').</summary>
    internal static bool IsValidFieldName(string name, bool http2)
    {
        var span = name.AsSpan();
        if (http2 && span.Length > 1 && span[0] == ':')
        {
            span = span[1..];
        }
        if (span.IsEmpty)
        {
            return false;
        }
        foreach (var c in span)
        {
            // Kestrel stores known fields under their canonical casing ("Content-Type") on HTTP/2 too: case is not checked.
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }
}
