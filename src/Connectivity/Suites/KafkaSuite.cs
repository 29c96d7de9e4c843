using CiliumL7.Connectivity.Model;
using static CiliumL7.Connectivity.Model.Expect;

namespace CiliumL7.Connectivity.Suites;

/// <summary>
/// Kafka rules towards the test broker (librdkafka's mock cluster in pod <c>kafka</c>, topics
/// <c>allowed-topic</c> and <c>denied-topic</c>), with kcat in the client pods.
/// </summary>
internal sealed class KafkaSuite : ITestSuite
{
    public IEnumerable<ConnectivityTest> Tests =>
    [
        new("client-egress-kafka-produce",
        [
            Cnp.Of("client-egress-kafka-produce", """
              endpointSelector:
                matchLabels: {name: client}
              egress:
              - toEndpoints:
                - matchLabels: {kind: kafka}
                toPorts:
                - ports: [{port: "9092", protocol: TCP}]
                  rules:
                    kafka:
                    - role: produce
                      topic: allowed-topic
            """),
        ],
        [
            TestAction.Kcat("produce-allowed-topic", Peer.Client, KafkaRole.Produce, "allowed-topic", KafkaAllowed),
            TestAction.Kcat("produce-denied-topic", Peer.Client, KafkaRole.Produce, "denied-topic", KafkaDenied),
            TestAction.Kcat("consume-allowed-topic", Peer.Client, KafkaRole.Consume, "allowed-topic", KafkaDenied),
        ]),
        new("client-egress-kafka-consume",
        [
            Cnp.Of("client-egress-kafka-consume", """
              endpointSelector:
                matchLabels: {name: client2}
              egress:
              - toEndpoints:
                - matchLabels: {kind: kafka}
                toPorts:
                - ports: [{port: "9092", protocol: TCP}]
                  rules:
                    kafka:
                    - role: consume
                      topic: allowed-topic
            """),
        ],
        [
            TestAction.Kcat("consume-allowed-topic", Peer.Client2, KafkaRole.Consume, "allowed-topic", KafkaAllowed),
            TestAction.Kcat("consume-denied-topic", Peer.Client2, KafkaRole.Consume, "denied-topic", KafkaDenied),
            TestAction.Kcat("produce-allowed-topic", Peer.Client2, KafkaRole.Produce, "allowed-topic", KafkaDenied),
        ]),
    ];
}
