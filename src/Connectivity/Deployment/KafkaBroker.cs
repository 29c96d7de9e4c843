using System.Globalization;

namespace CiliumL7.Connectivity.Deployment;

/// <summary>
/// The test Kafka broker: librdkafka's mock cluster (<c>ciliuml7-kafka-mock</c>, built by <c>make build</c>
/// beside <c>ciliuml7</c>; a test broker shipped with librdkafka, not Apache Kafka) in the <c>kafka</c> pod.
/// The mock listens on, and advertises, 127.0.0.1:P in its pod, so socat relays copy bytes unchanged:
/// <code>
///   client pod                                          kafka pod
///   kcat ─► KAFKA_IP:9092 (bootstrap) ────────────────► socat KAFKA_IP:9092 ─► mock 127.0.0.1:P
///   kcat ─► 127.0.0.1:P (advertised) ─► socat ─► KAFKA_IP:9092 ─┘
/// </code>
/// Every connection crosses the pods' network to KAFKA_IP:9092, where policy judges it.
/// </summary>
internal static class KafkaBroker
{
    /// <summary>The topics the broker holds.</summary>
    public static readonly string[] Topics = ["allowed-topic", "denied-topic"];

    /// <summary>Where the mock broker binary is expected: beside the running <c>ciliuml7</c>.</summary>
    public static string MockPath(string cliPath) => Path.Combine(Path.GetDirectoryName(cliPath) ?? ".", "ciliuml7-kafka-mock");

    /// <summary>The mock broker in the kafka pod (prints "127.0.0.1:P" when ready).</summary>
    public static string[] MockArgs(string netns, string mock) => ["netns", "exec", netns, mock, .. Topics];

    /// <summary>The relay in the kafka pod: KAFKA_IP:9092 → the mock.</summary>
    public static string[] BrokerRelayArgs(string netns, string podIp, int port, int mockPort) =>
        ["netns", "exec", netns, "socat", $"TCP-LISTEN:{port.ToString(CultureInfo.InvariantCulture)},bind={podIp},reuseaddr,fork", $"TCP:127.0.0.1:{mockPort.ToString(CultureInfo.InvariantCulture)}"];

    /// <summary>The relay in a client pod: the advertised 127.0.0.1:P → KAFKA_IP:9092.</summary>
    public static string[] ClientRelayArgs(string netns, string brokerIp, int port, int mockPort) =>
        ["netns", "exec", netns, "socat", $"TCP-LISTEN:{mockPort.ToString(CultureInfo.InvariantCulture)},bind=127.0.0.1,reuseaddr,fork", $"TCP:{brokerIp}:{port.ToString(CultureInfo.InvariantCulture)}"];

    /// <summary>The port of the mock's "127.0.0.1:P" line; null when the line is not that.</summary>
    public static int? ParseMockPort(string? line)
    {
        if (line is null || !line.StartsWith("127.0.0.1:", StringComparison.Ordinal))
        {
            return null;
        }
        return int.TryParse(line.AsSpan(10).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536 ? port : null;
    }
}
