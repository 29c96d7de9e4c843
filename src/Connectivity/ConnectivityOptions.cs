using CiliumL7.Connectivity.Suites;

namespace CiliumL7.Connectivity;

/// <summary>What <c>ciliuml7 connectivity test</c> was asked to do.</summary>
public sealed record ConnectivityOptions
{
    /// <summary>The agent's API socket.</summary>
    public required string AgentSocket { get; init; }

    /// <summary>The agent's Hubble server (unix:///…/hubble.sock or host:port).</summary>
    public required string HubbleServer { get; init; }

    /// <summary>The <c>ciliuml7</c> binary used to create endpoints and services and run the echo servers (the running one).</summary>
    public required string CliPath { get; init; }

    /// <summary>The Kafka test broker binary (librdkafka's mock cluster); null: <c>ciliuml7-kafka-mock</c> beside <see cref="CliPath"/>.</summary>
    public string? KafkaMockPath { get; init; }

    /// <summary>Namespace of the test pods, services and policies (cilium-cli: cilium-test).</summary>
    public string TestNamespace { get; init; } = "ciliuml7-test";

    /// <summary>curl --connect-timeout (cilium-cli default 2s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>curl --max-time (cilium-cli default 10s).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Which tests run.</summary>
    public TestSelector Selector { get; init; } = TestSelector.Parse([]);

    /// <summary>How strictly flows are checked.</summary>
    public FlowValidation FlowValidation { get; init; } = FlowValidation.Strict;

    /// <summary>Print every action with its command and flows.</summary>
    public bool Verbose { get; init; }

    /// <summary>How long to wait for a policy to be in force.</summary>
    public TimeSpan PolicyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
