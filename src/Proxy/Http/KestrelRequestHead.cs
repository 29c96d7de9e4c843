using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace CiliumL7.Proxy.Http;

/// <summary>The head of a request Kestrel parsed (HTTP/1.x or HTTP/2), read through its request feature.</summary>
internal sealed class KestrelRequestHead : RequestHead
{
    private IHttpRequestFeature _request = null!;

    public void Initialize(IHttpRequestFeature request) => _request = request;

    public override string Method => _request.Method;

    public override string Protocol => _request.Protocol;

    public override string RawTarget => _request.RawTarget;

    public override int HeaderCount => _request.Headers.Count;

    public override StringValues this[string name] => _request.Headers.TryGetValue(name, out var values) ? values : StringValues.Empty;

    public override bool CheckHeaders(List<KeyValuePair<string, string>>? flowHeaders, bool redact)
    {
        foreach (var header in _request.Headers)
        {
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
}
