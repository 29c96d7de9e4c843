namespace CiliumL7.Connectivity.Model;

/// <summary>
/// One client command from <see cref="From"/> to <see cref="To"/> with its expected outcome (cilium-cli's "action"):
/// curl for HTTP, dig when <see cref="Dns"/> is set, kcat when <see cref="Kafka"/> is set.
/// </summary>
/// <param name="Name">Scenario name, e.g. <c>pod-to-pod</c>.</param>
/// <param name="From">Where curl runs.</param>
/// <param name="To">Where it connects.</param>
/// <param name="Port">Destination port (the echo servers listen on <see cref="TestPorts.Http"/> and <see cref="TestPorts.Other"/>).</param>
/// <param name="Request">The HTTP request.</param>
/// <param name="Expect">Expected outcome and flows.</param>
public sealed record TestAction(string Name, Peer From, Peer To, int Port, HttpRequestSpec Request, Expect Expect)
{
    /// <summary>The DNS query (dig) of a DNS action; null for HTTP and Kafka.</summary>
    public DnsQuerySpec? Dns { get; init; }

    /// <summary>The Kafka request (kcat) of a Kafka action; null for HTTP and DNS.</summary>
    public KafkaRequestSpec? Kafka { get; init; }

    /// <summary>What the action asks for: <c>GET /</c>, <c>DNS A name</c> or <c>Kafka produce topic</c>.</summary>
    public string What => Dns is { } dns ? "DNS A " + dns.Name
        : Kafka is { } kafka ? "Kafka " + kafka.Role.ToString().ToLowerInvariant() + " " + kafka.Topic
        : Request.Method + " " + Request.Path;

    /// <summary>A DNS query for <paramref name="name"/> from <paramref name="from"/> to the world's DNS server (port 53).</summary>
    public static TestAction Dig(string name, Peer from, string query, Expect expect) =>
        new(name, from, Peer.WorldDns, 53, HttpRequestSpec.Get, expect) { Dns = new DnsQuerySpec(query) };

    /// <summary>A Kafka request from <paramref name="from"/> to the test broker (port 9092).</summary>
    public static TestAction Kcat(string name, Peer from, KafkaRole role, string topic, Expect expect) =>
        new(name, from, Peer.Kafka, TestPorts.Kafka, HttpRequestSpec.Get, expect) { Kafka = new KafkaRequestSpec(role, topic) };

    /// <summary>GET / on the HTTP port.</summary>
    public static TestAction Http(string name, Peer from, Peer to, Expect expect) =>
        new(name, from, to, TestPorts.Http, HttpRequestSpec.Get, expect);

    /// <summary>A request with a method, a path and optional headers on the HTTP port.</summary>
    public static TestAction Call(string name, Peer from, Peer to, string method, string path, Expect expect, params string[] headers) =>
        new(name, from, to, TestPorts.Http, new HttpRequestSpec(method, path, headers), expect);
}
