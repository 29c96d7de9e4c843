using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Suites;

/// <summary>Kafka L7 tests: listed, skipped until the test deployment runs a Kafka broker (replace this file then).</summary>
internal sealed class KafkaSuite : ITestSuite
{
    private const string Reason = "the test deployment has no Kafka broker yet (Kafka rules are enforced: see the README's Kafka walkthrough)";

    public IEnumerable<ConnectivityTest> Tests =>
    [
        ConnectivityTest.Skipped("client-egress-kafka-produce", Reason),
        ConnectivityTest.Skipped("client-egress-kafka-consume-deny", Reason),
    ];
}
