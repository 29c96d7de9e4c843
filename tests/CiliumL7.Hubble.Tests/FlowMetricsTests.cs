using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;
using CiliumL7.Hubble.Metrics;

namespace CiliumL7.Hubble.Tests;

public sealed class FlowMetricsTests
{
    [Fact]
    public void Observe_DeathStarFlows_CountsHubbleMetrics()
    {
        var registry = new MetricsRegistry();
        var metrics = new FlowMetrics(registry);
        foreach (var flow in DeathStarFlows.All())
        {
            metrics.Observe(flow);
        }

        var text = registry.Render();

        Assert.Contains("hubble_http_requests_total{method=\"PUT\",protocol=\"HTTP/1.1\",status=\"403\",reporter=\"server\"} 1\n", text);
        Assert.Contains("hubble_http_requests_total{method=\"POST\",protocol=\"HTTP/1.1\",status=\"200\",reporter=\"server\"} 1\n", text);
        Assert.Equal(2, CountLines(text, "hubble_http_requests_total{"));
        Assert.Contains("hubble_drop_total{reason=\"POLICY_DENIED\",protocol=\"TCP\"} 1\n", text);
        Assert.Contains("hubble_drop_total{reason=\"DROP_REASON_UNKNOWN\",protocol=\"HTTP\"} 1\n", text);
        Assert.Contains("cilium_drop_count_total{reason=\"Policy denied\",direction=\"INGRESS\"} 1\n", text);
        Assert.Contains("hubble_flows_processed_total{type=\"L7\",subtype=\"HTTP\",verdict=\"FORWARDED\"} 3\n", text);
        Assert.Contains("hubble_flows_processed_total{type=\"L7\",subtype=\"HTTP\",verdict=\"DROPPED\"} 1\n", text);
        Assert.Contains("hubble_flows_processed_total{type=\"Drop\",subtype=\"\",verdict=\"DROPPED\"} 1\n", text);
        Assert.Contains("hubble_flows_processed_total{type=\"PolicyVerdict\",subtype=\"\",verdict=\"FORWARDED\"} 1\n", text);
        Assert.Contains("hubble_policy_verdicts_total{direction=\"ingress\",match=\"l3-l4\",action=\"forwarded\"} 1\n", text);
        Assert.Contains("hubble_policy_verdicts_total{direction=\"ingress\",match=\"l7/http\",action=\"dropped\"} 1\n", text);
        Assert.Contains("hubble_policy_verdicts_total{direction=\"ingress\",match=\"l7/http\",action=\"forwarded\"} 1\n", text);
        // Latencies 1.5 ms and 12 ms.
        Assert.Contains("hubble_http_request_duration_seconds_bucket{method=\"PUT\",reporter=\"server\",le=\"0.005\"} 1\n", text);
        Assert.Contains("hubble_http_request_duration_seconds_bucket{method=\"POST\",reporter=\"server\",le=\"0.01\"} 0\n", text);
        Assert.Contains("hubble_http_request_duration_seconds_bucket{method=\"POST\",reporter=\"server\",le=\"0.025\"} 1\n", text);
        Assert.Contains("hubble_http_request_duration_seconds_count{method=\"POST\",reporter=\"server\"} 1\n", text);
        Assert.Contains("# TYPE hubble_http_request_duration_seconds histogram\n", text);
    }

    [Fact]
    public void Observe_DnsFlows_CountsQueriesAndResponsesByRcode()
    {
        var registry = new MetricsRegistry();
        var metrics = new FlowMetrics(registry);
        var dnsServer = new FlowPeer("10.244.0.53", 53, FlowBuilder.NewEndpoint(9, 4000, "kube-system", "coredns"));
        metrics.Observe(FlowBuilder.DnsRequest(DeathStarFlows.TiefighterPeer, dnsServer, TrafficDirection.Egress, Verdict.Dropped, "evil.com.", ["A"]));
        metrics.Observe(FlowBuilder.DnsResponse(DeathStarFlows.TiefighterPeer, dnsServer, TrafficDirection.Egress, Verdict.Forwarded, "evil.com.", ["A"], 5, [], 0, TimeSpan.Zero));

        var text = registry.Render();

        Assert.Contains("hubble_dns_queries_total{qtypes=\"A\"} 1\n", text);
        Assert.Contains("hubble_dns_responses_total{rcode=\"Query Refused\",qtypes=\"A\"} 1\n", text);
    }

    [Fact]
    public async Task MetricsEndpoint_Scrape_ServesCountsFromPublishedResponseFlows()
    {
        await using var hubble = await TestHubble.StartAsync(metrics: true);
        hubble.Server.Publish(DeathStarFlows.ExhaustPortRequest());
        hubble.Server.Publish(DeathStarFlows.ExhaustPort403());
        var agentGauge = hubble.Server.Metrics.Counter("cilium_policy_l7_total", "L7 requests by verdict", "rule", "proxy_type");
        agentGauge.WithLabels("denied", "http").Inc();
        hubble.Server.Metrics.AddSource(new FixedSource());
        using var http = new HttpClient();

        var response = await http.GetAsync($"http://127.0.0.1:{hubble.Server.MetricsPort}/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("hubble_http_requests_total{method=\"PUT\",protocol=\"HTTP/1.1\",status=\"403\",reporter=\"server\"} 1\n", text);
        Assert.DoesNotContain("status=\"0\"", text);
        Assert.Contains("cilium_policy_l7_total{rule=\"denied\",proxy_type=\"http\"} 1\n", text);
        Assert.Contains("ciliuml7_agent_up 1\n", text);
        Assert.Contains("hubble_lost_events_total{source=\"HUBBLE_RING_BUFFER\"} 0\n", text);
        Assert.Contains("hubble_flows_seen_total 2\n", text);
    }

    [Fact]
    public void MetricsWriter_LabelValues_AreEscaped()
    {
        var registry = new MetricsRegistry();
        registry.Counter("x_total", "help", "path").WithLabels("a\"b\\c\nd").Inc(3);

        Assert.Contains("x_total{path=\"a\\\"b\\\\c\\nd\"} 3\n", registry.Render());
    }

    private static int CountLines(string text, string prefix)
        => text.Split('\n').Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private sealed class FixedSource : IMetricsSource
    {
        public void Collect(MetricsWriter writer) => writer.WriteSingle("ciliuml7_agent_up", "Agent is up", "gauge", 1);
    }
}
