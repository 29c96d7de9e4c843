using CiliumL7.Policy;
using CiliumL7.Policy.L7;

namespace CiliumL7.Proxy.Http;

/// <summary>
/// Steps 1–3 of every HTTP request, whichever front end parsed it (Kestrel's
/// <see cref="HttpProxyApplication"/> or the HTTP/1.1 fast path): who talks to
/// whom, the canonical request, and the verdict of the rules of this redirect for
/// the remote peer. The one place where rules are chosen and judged.
/// </summary>
internal static class HttpRequestJudge
{
    /// <summary>
    /// Resolves, canonicalizes and judges <paramref name="context"/>. Returns the
    /// canonicalization error (then <paramref name="verdict"/> is a deny and must not
    /// be used); otherwise <paramref name="verdict"/> says allow or deny (no rules = deny).
    /// Counts and publishes nothing: the caller does, once it owns the request.
    /// </summary>
    public static CanonicalizeError Decide(ProxyRequestContext context, ProxyRedirect redirect, ProxyRuntime runtime, out L7Verdict verdict)
    {
        var options = runtime.Options;

        // :: Step 1: who talks to whom (original destination = accepted socket's local endpoint).
        context.ResolveAddresses(redirect, runtime.Peers);

        // :: Step 2: the canonical request; what cannot be made unambiguous is refused.
        var error = context.Canonicalize(options.FlowHeaders && options.EmitFlows, options.RedactHeaderValues);
        if (error != CanonicalizeError.None)
        {
            verdict = new L7Verdict(false, null);
            return error;
        }

        // :: Step 3: judge with the rules of this redirect for the remote peer; no rules = deny.
        var remote = redirect.Key.Direction == TrafficDirection.Ingress ? context.ClientPeer : context.ServerPeer;
        var rules = context.GetRules(runtime.Policy, redirect.Key, remote.Identity);
        verdict = rules is null ? new L7Verdict(false, null) : rules.Judge(context);
        return CanonicalizeError.None;
    }
}
