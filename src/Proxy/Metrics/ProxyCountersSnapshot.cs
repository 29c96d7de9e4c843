namespace CiliumL7.Proxy.Metrics;

/// <summary>Counter values of one proxy type at one moment.</summary>
/// <param name="Received">Requests received (rule="received").</param>
/// <param name="Forwarded">Requests allowed and forwarded (rule="forwarded").</param>
/// <param name="Denied">Requests denied by policy (rule="denied"): HTTP 403, DNS REFUSED/NXDOMAIN.</param>
/// <param name="ParseErrors">Requests refused as malformed (rule="parse_errors"): for HTTP the 400s from the canonicalizer and every request Kestrel itself refuses (400/414/431/505…); for DNS every message that does not parse.</param>
/// <param name="Redirects">Active redirects of this type (cilium_proxy_redirects{protocol}).</param>
public readonly record struct ProxyCountersSnapshot(long Received, long Forwarded, long Denied, long ParseErrors, long Redirects)
{
    /// <summary>Active HTTP redirects (the HTTP snapshot's <see cref="Redirects"/>).</summary>
    public long HttpRedirects => Redirects;
}
