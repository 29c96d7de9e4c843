using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.L7;
using CiliumL7.Agent.Policies;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Hubble.Metrics;
using CiliumL7.Proxy;

namespace CiliumL7.Agent.Observability;

/// <summary>
/// The agent's own metrics on the Hubble /metrics endpoint, read at scrape time:
/// the proxy's <c>cilium_policy_l7_total</c>, <c>ciliuml7_proxy_http_requests_total{path}</c> and
/// <c>cilium_proxy_redirects</c>, and
/// health gauges (endpoints, identities, policies, revision, import errors).
/// <c>cilium_drop_count_total</c> comes from <see cref="FlowMetrics"/> (drop flows), not here.
/// </summary>
internal sealed class AgentMetricsSource : IMetricsSource
{
    private static readonly string[] RuleProxyType = ["rule", "proxy_type"];
    private static readonly string[] Protocol = ["protocol"];
    private static readonly string[] HttpPath = ["path"];
    private static readonly ProxyType[] ProxyTypes = [ProxyType.Http, ProxyType.Dns, ProxyType.Kafka];

    private readonly EndpointManager _endpoints;
    private readonly PolicyStore _policies;
    private readonly IProxyIntegration _proxy;

    public AgentMetricsSource(EndpointManager endpoints, PolicyStore policies, IProxyIntegration proxy)
    {
        _endpoints = endpoints;
        _policies = policies;
        _proxy = proxy;
    }

    private static string ProxyTypeName(ProxyType type) => type switch
    {
        ProxyType.Http => "http",
        ProxyType.Dns => "dns",
        ProxyType.Kafka => "kafka",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a proxy type"),
    };

    public void Collect(MetricsWriter writer)
    {
        var counters = (_proxy as L7ProxyIntegration)?.Counters;
        writer.WriteHeader("cilium_policy_l7_total", "Number of total proxy requests handled", "counter");
        foreach (var type in ProxyTypes)
        {
            var proxy = counters?.Snapshot(type) ?? default;
            var name = ProxyTypeName(type);
            writer.WriteSample("cilium_policy_l7_total", RuleProxyType, ["received", name], proxy.Received);
            writer.WriteSample("cilium_policy_l7_total", RuleProxyType, ["forwarded", name], proxy.Forwarded);
            writer.WriteSample("cilium_policy_l7_total", RuleProxyType, ["denied", name], proxy.Denied);
            writer.WriteSample("cilium_policy_l7_total", RuleProxyType, ["parse_errors", name], proxy.ParseErrors);
        }
        // Which HTTP stack served the requests: the HTTP/1.1 fast path or Kestrel (HTTP/2, upgrades,
        // what the fast path hands off). Received = fast + kestrel.
        var received = counters?.Snapshot(ProxyType.Http).Received ?? 0;
        var fast = Math.Min((_proxy as L7ProxyIntegration)?.FastPathRequests ?? 0, received);
        writer.WriteHeader("ciliuml7_proxy_http_requests_total", "HTTP requests received by the proxy, by the stack that served them", "counter");
        writer.WriteSample("ciliuml7_proxy_http_requests_total", HttpPath, ["fast"], fast);
        writer.WriteSample("ciliuml7_proxy_http_requests_total", HttpPath, ["kestrel"], received - fast);
        writer.WriteHeader("cilium_proxy_redirects", "Number of redirects installed for endpoints", "gauge");
        foreach (var type in ProxyTypes)
        {
            writer.WriteSample("cilium_proxy_redirects", Protocol, [ProxyTypeName(type)], counters?.Snapshot(type).Redirects ?? 0);
        }

        var identities = 0;
        foreach (var identity in _endpoints.Identities(includeReserved: false))
        {
            if (identity.ReferenceCount > 0)
            {
                identities++;
            }
        }
        writer.WriteSingle("cilium_endpoint_count", "Number of endpoints managed by this agent", "gauge", _endpoints.List().Count);
        writer.WriteSingle("cilium_identity_count", "Number of identities in use", "gauge", identities);
        writer.WriteSingle("cilium_policy_count", "Number of policy resources in force", "gauge", _policies.All().Count);
        writer.WriteSingle("cilium_policy_max_revision", "Highest policy revision number in the agent", "gauge", _policies.Revision);
        writer.WriteSingle("cilium_policy_import_errors_total", "Number of times a policy import has failed", "counter", _policies.ImportErrors);
    }
}
