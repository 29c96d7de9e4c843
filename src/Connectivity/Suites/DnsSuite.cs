using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Suites;

/// <summary>DNS and toFQDNs tests: listed, skipped until the test world runs a DNS server (replace this file then).</summary>
internal sealed class DnsSuite : ITestSuite
{
    private const string Reason = "the test world has no DNS server yet (DNS rules and toFQDNs are enforced: see the README's \"Egress to a name\")";

    public IEnumerable<ConnectivityTest> Tests =>
    [
        ConnectivityTest.Skipped("dns-only", Reason),
        ConnectivityTest.Skipped("to-fqdns", Reason),
        ConnectivityTest.Skipped("client-egress-l7-fqdn", Reason),
    ];
}
