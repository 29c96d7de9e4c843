using System.Diagnostics;
using CiliumL7.Proxy.Flows;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace CiliumL7.Proxy.Http;

/// <summary>
/// The request pipeline of one redirect listener, plugged straight into Kestrel
/// (no middleware):
/// <code>
/// Kestrel request ─► 1 addresses/peers ─► 2 canonicalize ──400──► client
///                                          │
///                                          ▼
///                    3 judge (HttpRuleSet) ──deny──► 403 "Access denied\r\n"
///                                          │allow
///                                          ▼
///                    4 forward (YARP) to the original destination ─► 5 flows
/// </code>
/// </summary>
internal sealed class HttpProxyApplication(ProxyRedirect redirect, ProxyRuntime runtime) : IHttpApplication<ProxyRequestContext>
{
    public ProxyRequestContext CreateContext(IFeatureCollection contextFeatures)
    {
        ProxyRequestContext context;
        if (contextFeatures is IHostContextContainer<ProxyRequestContext> container)
        {
            context = container.HostContext ??= new ProxyRequestContext();
        }
        else
        {
            context = new ProxyRequestContext();
        }
        context.Initialize(contextFeatures);
        return context;
    }

    public void DisposeContext(ProxyRequestContext context, Exception? exception) => context.Reset();

    public async Task ProcessRequestAsync(ProxyRequestContext context)
    {
        var http = context.HttpContext;
        var started = Stopwatch.GetTimestamp();
        var requestId = runtime.NextRequestId();
        runtime.Counters.Received();

        // :: Steps 1-3 (shared with the HTTP/1.1 fast path): addresses, canonical form, verdict.
        var error = HttpRequestJudge.Decide(context, redirect, runtime, out var verdict);
        if (error != CanonicalizeError.None)
        {
            runtime.Counters.ParseError();
            Log.RequestRejected(runtime.Logger, context.Client, redirect.ProxyPort, error);
            Publish(context, requestId, L7FlowType.Request, FlowVerdict.Error, 0, null, 0);
            await HttpResponses.WriteBadRequestAsync(http, !context.IsHttp2).ConfigureAwait(false);
            Publish(context, requestId, L7FlowType.Response, FlowVerdict.Forwarded, 400, null, started);
            return;
        }
        if (!verdict.Allowed)
        {
            runtime.Counters.Denied();
            Publish(context, requestId, L7FlowType.Request, FlowVerdict.Dropped, 0, verdict.PolicyName, 0);
            await HttpResponses.WriteAccessDeniedAsync(http).ConfigureAwait(false);
            Publish(context, requestId, L7FlowType.Response, FlowVerdict.Forwarded, 403, verdict.PolicyName, started);
            return;
        }

        // :: Step 4: forward the canonical request to the original destination.
        runtime.Counters.Forwarded();
        Publish(context, requestId, L7FlowType.Request, verdict.Audited ? FlowVerdict.Audit : FlowVerdict.Forwarded, 0, verdict.PolicyName, 0);
        if (context.IsH2cUpgrade)
        {
            // An h2c upgrade is never tunnelled: forward it as a plain HTTP/1.1 request.
            http.Features.Set<IHttpUpgradeFeature>(null);
        }
        var invoker = runtime.Upstreams.Get(context.ServerPeer.IsOutsideCluster ? null : context.Client.Address);
        var config = context.IsHttp2 ? runtime.Http2Config : runtime.Http1Config;
        var forwardError = await runtime.Forwarder.SendAsync(http, context.DestinationPrefix, invoker, config, context.Transformer).ConfigureAwait(false);
        if (forwardError != ForwarderError.None)
        {
            Log.UpstreamFailed(runtime.Logger, context.DestinationPrefix, forwardError, http.Features.Get<IForwarderErrorFeature>()?.Exception);
        }

        // :: Step 5: the response flow (status as sent to the client; YARP maps upstream failures to 502/504).
        Publish(context, requestId, L7FlowType.Response, FlowVerdict.Forwarded, http.Response.StatusCode, verdict.PolicyName, started);
    }

    private void Publish(ProxyRequestContext context, ulong requestId, L7FlowType type, FlowVerdict verdict, int code, string? policyName, long started) =>
        HttpFlowPublisher.Publish(runtime, redirect, context, requestId, type, verdict, code, policyName, started);
}
