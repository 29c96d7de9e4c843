using System.Net;
using CiliumL7.Policy;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Tests.Support;
using CiliumL7.TestSupport;
using Confluent.Kafka;

namespace CiliumL7.Proxy.Tests.Kafka;

/// <summary>
/// Confluent.Kafka (NuGet, its own newer librdkafka) in the test process, through the
/// proxy listening on the host's 127.0.0.1:P, to the mock broker in its pod. The
/// proxy opens its upstream connection inside the broker pod
/// (<see cref="ProxyRedirect.TestUpstreamNetworkNamespace"/>) to the broker's
/// 127.0.0.1:P, the address the broker advertises: the client only ever reaches the proxy.
/// </summary>
public sealed class ConfluentKafkaTests
{
    [SkippableFact]
    public async Task ConfluentKafka_ProduceAllowedAndDenied_DeliveredOrTopicAuthorizationFailed()
    {
        Privileged.Require();
        using var pod = new KafkaBrokerPod("empire-orders", "empire-plans");
        var flows = new InMemoryFlowSink(4096);
        var options = new ProxyOptions { ListenAddresses = [IPAddress.Loopback], TransparentListeners = false, TransparentUpstream = false, UpstreamMark = 0 };
        await using var proxy = new L7Proxy(options, new TestPeers(), flows);
        var rules = new KafkaRuleSet([KafkaRule.FromSpec(new PortRuleKafka { Role = "produce", Topic = "empire-orders" }, "default/empire")], "default/empire");
        proxy.SetPolicy(new SinglePolicy(rules));
        await proxy.StartAsync();
        await proxy.AddRedirectAsync(new ProxyRedirect(pod.Port, new RedirectKey(7, TrafficDirection.Egress, 9092), ProxyType.Kafka)
        {
            TestUpstreamOverride = new IPEndPoint(IPAddress.Loopback, pod.Port),
            TestUpstreamNetworkNamespace = Netns.PathOf(pod.BrokerNs),
        });
        var config = new ProducerConfig { BootstrapServers = $"127.0.0.1:{pod.Port}", ClientId = "confluent-empire", MessageTimeoutMs = 10000, AllowAutoCreateTopics = false };
        using var producer = new ProducerBuilder<Null, string>(config).Build();

        var delivered = await producer.ProduceAsync("empire-orders", new Message<Null, string> { Value = "order-1" });
        var denied = await Assert.ThrowsAsync<ProduceException<Null, string>>(() => producer.ProduceAsync("empire-plans", new Message<Null, string> { Value = "plans" }));

        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, denied.Error.Code);
        Assert.Contains(flows.Snapshot(), f => f.Verdict == FlowVerdict.Forwarded && f.Kafka?.ApiKey == "produce" && f.Kafka.Topic == "empire-orders");
        Assert.Contains(flows.Snapshot(), f => f.Verdict == FlowVerdict.Dropped && f.Kafka?.Topic == "empire-plans");
    }

    private sealed class SinglePolicy(KafkaRuleSet rules) : IProxyPolicy
    {
        public L7RuleSet? GetRules(RedirectKey key, uint remoteIdentity) => rules;
    }
}
