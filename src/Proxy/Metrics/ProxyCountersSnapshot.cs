namespace CiliumL7.Proxy.Metrics;

/// <summary>Counter values at one moment (proxy_type "http").</summary>
/// <param name="Received">Requests received (rule="received").</param>
/// <param name="Forwarded">Requests allowed and forwarded (rule="forwarded").</param>
/// <param name="Denied">Requests denied with 403 (rule="denied").</param>
/// <param name="ParseErrors">Requests refused as malformed (rule="parse_errors"): 400 from the canonicalizer, and every request Kestrel itself refuses (400/414/431/505…).</param>
/// <param name="HttpRedirects">Active HTTP redirects (cilium_proxy_redirects{protocol="http"}).</param>
public readonly record struct ProxyCountersSnapshot(long Received, long Forwarded, long Denied, long ParseErrors, long HttpRedirects);
