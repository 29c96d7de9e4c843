namespace CiliumL7.Proxy.Dns;

/// <summary>What a denied query is answered with (agent flag <c>--tofqdns-dns-reject-response-code</c>).</summary>
public enum DnsRejectResponseCode
{
    /// <summary>REFUSED (rcode 5), the default.</summary>
    Refused = 5,

    /// <summary>NXDOMAIN (rcode 3), Cilium's <c>nameError</c>.</summary>
    NameError = 3,
}
