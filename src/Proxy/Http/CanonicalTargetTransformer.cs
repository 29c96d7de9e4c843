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
        var pending = base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        return pending.IsCompletedSuccessfully ? JoinRepeatedFields(httpContext, proxyRequest) : AwaitThenJoin(pending, httpContext, proxyRequest);
    }

    private static async ValueTask AwaitThenJoin(ValueTask pending, HttpContext httpContext, HttpRequestMessage proxyRequest)
    {
        await pending.ConfigureAwait(false);
        await JoinRepeatedFields(httpContext, proxyRequest).ConfigureAwait(false);
    }

    // A header sent in several fields goes upstream as the one joined field the rules judged (RepeatedFields).
    private static ValueTask JoinRepeatedFields(HttpContext httpContext, HttpRequestMessage proxyRequest)
    {
        foreach (var (name, values) in httpContext.Request.Headers)
        {
            if (values.Count < 2)
            {
                continue;
            }
            var joined = RepeatedFields.Join(name, values);
            if (proxyRequest.Headers.Remove(name))
            {
                proxyRequest.Headers.TryAddWithoutValidation(name, joined);
            }
            else if (proxyRequest.Content?.Headers.Remove(name) == true)
            {
                proxyRequest.Content.Headers.TryAddWithoutValidation(name, joined);
            }
        }
        return ValueTask.CompletedTask;
    }
}
