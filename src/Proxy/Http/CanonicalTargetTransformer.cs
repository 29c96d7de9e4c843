using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace CiliumL7.Proxy.Http;

/// <summary>
/// Forwards the canonical target the rules judged (not Kestrel's decoded path):
/// the upstream URI is the destination prefix plus the canonical path and query,
/// with URI canonicalization disabled so the bytes stay exactly as judged.
/// </summary>
internal sealed class CanonicalTargetTransformer(ProxyRequestContext request) : HttpTransformer
{
    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        proxyRequest.RequestUri = new Uri(destinationPrefix + request.PathAndQuery, Verbatim);
        return base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
    }
}
