using System.Net;
using CiliumL7.Policy;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Tests.Support;
using CiliumL7.TestSupport;

namespace CiliumL7.Proxy.Tests.Kafka;

/// <summary>
/// kcat (librdkafka) through the proxy to librdkafka's mock broker (see
/// <see cref="KafkaBrokerPod"/>): policy = an empire client may produce and consume
/// <c>empire-orders</c> only.
/// </summary>
public sealed class KafkaRealClientTests
{
    private static readonly KafkaRuleSet Empire = new(
        [
            KafkaRule.FromSpec(new PortRuleKafka { Role = "produce", Topic = "empire-orders" }, "default/empire"),
            KafkaRule.FromSpec(new PortRuleKafka { Role = "consume", Topic = "empire-orders" }, "default/empire"),
        ],
        "default/empire");

    [SkippableFact]
    public async Task Kcat_ProduceConsumeAllowedTopic_BytesIdenticalAndDeniedTopicGetsAuthorizationFailed()
    {
        Privileged.Require();
        using var pod = new KafkaBrokerPod("empire-orders", "empire-plans");
        await using var proxy = await StartProxyAsync(pod, Empire);

        // Allowed: produce then consume empire-orders through the proxy.
        var produced = pod.Kcat("-P", "-t", "empire-orders", "-p", "0", "-l", pod.MessageFile("order-66 ünïcode", "order-67"));
        Assert.True(produced.ExitCode == 0, produced.Output + Dump(proxy.Flows));
        var consumed = pod.Kcat("-C", "-t", "empire-orders", "-p", "0", "-o", "beginning", "-c", "2", "-e", "-f", "%s\n");
        Assert.True(consumed.ExitCode == 0, consumed.Output);
        Assert.Contains("order-66 ünïcode\norder-67\n", consumed.Output, StringComparison.Ordinal);

        // Denied: metadata, produce and consume of empire-plans → error 29 as librdkafka reports it.
        var metadata = pod.Kcat("-L", "-t", "empire-plans");
        Assert.Contains("Topic authorization failed", metadata.Output, StringComparison.OrdinalIgnoreCase);
        var produceDenied = pod.Kcat("-P", "-t", "empire-plans", "-l", pod.MessageFile("plans"));
        Assert.Contains("Topic authorization failed", produceDenied.Output, StringComparison.OrdinalIgnoreCase);
        var consumeDenied = pod.Kcat("-C", "-t", "empire-plans", "-p", "0", "-o", "beginning", "-c", "1", "-e");
        Assert.Contains("Topic authorization failed", consumeDenied.Output, StringComparison.OrdinalIgnoreCase);

        // Flows: Hubble's Kafka fields, FORWARDED for empire-orders, DROPPED with 29 for empire-plans.
        var flows = proxy.Flows.Snapshot().Where(f => f.Kafka is not null).ToList();
        Assert.Contains(flows, f => f.Verdict == FlowVerdict.Forwarded && f.Kafka!.ApiKey == "produce" && f.Kafka.Topic == "empire-orders");
        Assert.Contains(flows, f => f.Verdict == FlowVerdict.Forwarded && f.Kafka!.ApiKey == "fetch" && f.Kafka.Topic == "empire-orders");
        Assert.Contains(flows, f => f.Verdict == FlowVerdict.Dropped && f.Kafka!.ErrorCode == 29 && f.Kafka.Topic == "empire-plans");
        Assert.DoesNotContain(flows, f => f.Verdict == FlowVerdict.Forwarded && f.Kafka!.Topic == "empire-plans");
        Assert.True(proxy.Proxy.Counters.Snapshot(ProxyType.Kafka).Denied > 0);
    }

    [SkippableFact]
    public async Task Kcat_AuditedRules_DeniedTopicForwardedWithAuditFlowNamingPolicy()
    {
        Privileged.Require();
        using var pod = new KafkaBrokerPod("empire-orders", "empire-plans");
        await using var proxy = await StartProxyAsync(pod, (KafkaRuleSet)Empire.AsAudit());

        // empire-plans: enforced it would get error 29; audited, the broker takes and serves it.
        var produced = pod.Kcat("-P", "-t", "empire-plans", "-p", "0", "-l", pod.MessageFile("death-star-plans"));
        Assert.True(produced.ExitCode == 0, produced.Output + Dump(proxy.Flows));
        var consumed = pod.Kcat("-C", "-t", "empire-plans", "-p", "0", "-o", "beginning", "-c", "1", "-e", "-f", "%s\n");
        Assert.True(consumed.ExitCode == 0, consumed.Output + Dump(proxy.Flows));
        Assert.Contains("death-star-plans\n", consumed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("authorization failed", produced.Output + consumed.Output, StringComparison.OrdinalIgnoreCase);

        var flows = proxy.Flows.Snapshot().Where(f => f.Kafka is not null).ToList();
        var produce = flows.Where(f => f.Kafka!.ApiKey == "produce" && f.Kafka.Topic == "empire-plans").ToList();
        Assert.NotEmpty(produce);
        Assert.All(produce, f =>
        {
            Assert.Equal(FlowVerdict.Audit, f.Verdict);
            Assert.Equal("default/empire", f.PolicyName);
            Assert.Equal("error 29 TOPIC_AUTHORIZATION_FAILED", f.AuditOutcome);
            Assert.Equal(0, f.Kafka!.ErrorCode);
        });
        Assert.Contains(flows, f => f.Verdict == FlowVerdict.Audit && f.Kafka!.ApiKey == "fetch" && f.Kafka.Topic == "empire-plans");
        Assert.DoesNotContain(flows, f => f.Verdict == FlowVerdict.Dropped);
        Assert.Equal(0, proxy.Proxy.Counters.Snapshot(ProxyType.Kafka).Denied);
    }

    [SkippableFact]
    public async Task KcatBalancedConsumer_RoleConsume_GroupJoinSyncHeartbeatCommitForwarded()
    {
        Privileged.Require();
        using var pod = new KafkaBrokerPod("empire-orders");
        await using var proxy = await StartProxyAsync(pod, Empire);
        var produced = pod.Kcat("-P", "-t", "empire-orders", "-p", "0", "-l", pod.MessageFile("a", "b"));
        Assert.True(produced.ExitCode == 0, produced.Output + Dump(proxy.Flows));

        // A balanced consumer (-G): FindCoordinator, JoinGroup, SyncGroup, OffsetFetch, Fetch, Heartbeat,
        // OffsetCommit, LeaveGroup. It waits for a third message, produced only once a Heartbeat went through.
        var consumer = Task.Run(() => pod.Kcat(
            "-X", "heartbeat.interval.ms=100", "-X", "auto.commit.interval.ms=100", "-X", "auto.offset.reset=earliest",
            "-c", "3", "-G", "empire-group", "-f", "%s\n", "empire-orders"));
        var heartbeat = false;
        for (var i = 0; i < 300 && !heartbeat && !consumer.IsCompleted; i++)
        {
            await Task.Delay(100);
            heartbeat = proxy.Flows.Snapshot().Any(f => f.Kafka?.ApiKey == "heartbeat" && f.Verdict == FlowVerdict.Forwarded);
        }
        var third = pod.Kcat("-P", "-t", "empire-orders", "-p", "0", "-l", pod.MessageFile("c"));
        var consumed = await consumer;

        Assert.True(heartbeat, "no Heartbeat forwarded within 30 s" + Dump(proxy.Flows));
        Assert.True(third.ExitCode == 0 && consumed.ExitCode == 0, third.Output + consumed.Output + Dump(proxy.Flows));
        Assert.Contains("a\nb\nc\n", consumed.Output, StringComparison.Ordinal);
        var keys = proxy.Flows.Snapshot().Where(f => f.Kafka is not null && f.Verdict == FlowVerdict.Forwarded).Select(f => f.Kafka!.ApiKey).ToHashSet();
        foreach (var key in new[] { "findcoordinator", "joingroup", "syncgroup", "offsetfetch", "fetch", "heartbeat", "offsetcommit", "leavegroup" })
        {
            Assert.True(keys.Contains(key), key + Dump(proxy.Flows));
        }
        Assert.DoesNotContain(proxy.Flows.Snapshot(), f => f.Verdict != FlowVerdict.Forwarded);
    }

    [SkippableFact]
    public async Task Kcat_ApiKeyRule_OnlyListedKeysPass()
    {
        Privileged.Require();
        using var pod = new KafkaBrokerPod("empire-orders");
        // apiKey rules: apiversions and metadata only — a producer can look but not write.
        var rules = new KafkaRuleSet(
            [
                KafkaRule.FromSpec(new PortRuleKafka { ApiKey = "apiversions" }, "default/look"),
                KafkaRule.FromSpec(new PortRuleKafka { ApiKey = "metadata", Topic = "empire-orders" }, "default/look"),
            ],
            "default/look");
        await using var proxy = await StartProxyAsync(pod, rules);

        var listed = pod.Kcat("-L", "-t", "empire-orders");
        var produced = pod.Kcat("-P", "-t", "empire-orders", "-p", "0", "-l", pod.MessageFile("x"));

        Assert.True(listed.ExitCode == 0 && listed.Output.Contains("topic \"empire-orders\" with 1 partitions", StringComparison.Ordinal), listed.Output + Dump(proxy.Flows));
        Assert.Contains("authorization failed", produced.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(proxy.Flows.Snapshot(), f => f.Verdict == FlowVerdict.Dropped && f.Kafka!.ApiKey == "produce");
    }

    [SkippableFact]
    public async Task Kafkajs_NotLibrdkafka_AllowedProduceConsumeDeniedGetsAuthorizationFailed()
    {
        Privileged.Require();
        using var pod = new KafkaBrokerPod("empire-orders", "empire-plans");
        await using var proxy = await StartProxyAsync(pod, Empire);
        var modules = Directory.CreateTempSubdirectory("cl7-kafkajs-").FullName;
        try
        {
            // kafkajs from npm (a registry CI reaches), pinned.
            var (installed, log) = Netns.TryRun("npm", "install", "--prefix", modules, "--no-audit", "--no-fund", "--silent", "kafkajs@2.2.4");
            Assert.True(installed == 0, log);
            var script = Path.Combine(modules, "client.js");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Kafka", "kafkajs-client.js"), script);

            var (_, output) = Netns.TryIn(pod.ClientNs, "node", script, $"127.0.0.1:{pod.Port}", "empire-orders", "empire-plans");

            Assert.True(output.Contains("produce-allowed ok", StringComparison.Ordinal), output + Dump(proxy.Flows));
            Assert.True(output.Contains("produce-denied error TOPIC_AUTHORIZATION_FAILED", StringComparison.Ordinal), output + Dump(proxy.Flows));
            Assert.True(output.Contains("consume-allowed ok kafkajs-order", StringComparison.Ordinal), output + Dump(proxy.Flows));
        }
        finally
        {
            Directory.Delete(modules, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Kcat_ClientIdRule_OnlyThatClientProduces()
    {
        Privileged.Require();
        using var pod = new KafkaBrokerPod("empire-orders");
        var rules = new KafkaRuleSet([KafkaRule.FromSpec(new PortRuleKafka { Role = "produce", Topic = "empire-orders", ClientId = "empire-producer" }, "default/empire")], "default/empire");
        await using var proxy = await StartProxyAsync(pod, rules);

        var allowed = pod.Kcat("-X", "client.id=empire-producer", "-P", "-t", "empire-orders", "-p", "0", "-l", pod.MessageFile("ok"));
        var denied = pod.Kcat("-X", "client.id=rebel", "-P", "-t", "empire-orders", "-p", "0", "-l", pod.MessageFile("no"));

        Assert.True(allowed.ExitCode == 0, allowed.Output);
        Assert.Contains("authorization failed", denied.Output, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<ProxyHarnessLike> StartProxyAsync(KafkaBrokerPod pod, KafkaRuleSet rules)
    {
        var options = new ProxyOptions
        {
            ListenAddresses = [IPAddress.Loopback],
            TransparentListeners = false,
            TransparentUpstream = false,
            UpstreamMark = 0,
            NetworkNamespace = Netns.PathOf(pod.ClientNs),
        };
        var flows = new InMemoryFlowSink(4096);
        var proxy = new L7Proxy(options, new TestPeers(), flows);
        proxy.SetPolicy(new KafkaPolicy(rules));
        await proxy.StartAsync();
        await proxy.AddRedirectAsync(new ProxyRedirect(pod.Port, new RedirectKey(7, TrafficDirection.Egress, 9092), ProxyType.Kafka) { TestUpstreamOverride = pod.Relay });
        return new ProxyHarnessLike(proxy, flows);
    }

    private static string Dump(InMemoryFlowSink flows) => "\nflows:\n" + string.Join('\n', flows.Snapshot().Select(f =>
        $"{f.Verdict} {f.Kafka?.ApiKey} v{f.Kafka?.ApiVersion} #{f.Kafka?.CorrelationId} {f.Kafka?.Topic} error {f.Kafka?.ErrorCode}"));

    private sealed class KafkaPolicy(KafkaRuleSet rules) : IProxyPolicy
    {
        public L7RuleSet? GetRules(RedirectKey key, uint remoteIdentity) => rules;
    }

    private sealed class ProxyHarnessLike(L7Proxy proxy, InMemoryFlowSink flows) : IAsyncDisposable
    {
        public L7Proxy Proxy { get; } = proxy;

        public InMemoryFlowSink Flows { get; } = flows;

        public async ValueTask DisposeAsync() => await Proxy.DisposeAsync();
    }
}
