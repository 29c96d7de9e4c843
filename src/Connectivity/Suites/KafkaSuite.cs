using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Suites;

/// <summary>Kafka L7 tests: listed, skipped until the Kafka proxy is in this build (replace this file then).</summary>
internal sealed class KafkaSuite : ITestSuite
{
    private const string Reason = "Kafka proxy not in this build";

    public IEnumerable<ConnectivityTest> Tests =>
    [
        ConnectivityTest.Skipped("client-egress-kafka-produce", Reason),
        ConnectivityTest.Skipped("client-egress-kafka-consume-deny", Reason),
    ];
}
