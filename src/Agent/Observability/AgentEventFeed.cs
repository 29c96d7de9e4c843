using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Policies;
using CiliumL7.Hubble.Events;

namespace CiliumL7.Agent.Observability;

/// <summary>
/// Feeds Observer GetAgentEvents: AGENT_STARTED once, then POLICY_UPDATED / POLICY_DELETED
/// and ENDPOINT_CREATED / ENDPOINT_DELETED by comparing the policy store and the endpoint
/// list with what they held at the previous change (both only say "changed").
/// </summary>
internal sealed class AgentEventFeed
{
    private readonly AgentEventBuffer _events;
    private readonly EndpointManager _endpoints;
    private readonly PolicyStore _policies;
    private readonly Lock _lock = new();
    private Dictionary<(string Kind, string Namespace, string Name), string> _knownPolicies = [];
    private Dictionary<int, Client.Models.EndpointModel> _knownEndpoints = [];

    private AgentEventFeed(AgentEventBuffer events, EndpointManager endpoints, PolicyStore policies)
    {
        _events = events;
        _endpoints = endpoints;
        _policies = policies;
    }

    /// <summary>Publishes AGENT_STARTED and starts following the stores (what they hold now is the baseline).</summary>
    public static AgentEventFeed Attach(AgentEventBuffer events, EndpointManager endpoints, PolicyStore policies, DateTimeOffset started)
    {
        var feed = new AgentEventFeed(events, endpoints, policies);
        events.Publish(AgentEvents.Started(started), started);
        lock (feed._lock)
        {
            feed._knownPolicies = Snapshot(policies);
            feed._knownEndpoints = endpoints.List().ToDictionary(e => e.Id);
        }
        policies.Changed += feed.OnPoliciesChanged;
        endpoints.Changed += feed.OnEndpointsChanged;
        return feed;
    }

    private void OnPoliciesChanged()
    {
        lock (_lock)
        {
            var now = Snapshot(_policies);
            var revision = (ulong)_policies.Revision;
            foreach (var (key, yaml) in now)
            {
                if (!_knownPolicies.TryGetValue(key, out var before) || before != yaml)
                {
                    _events.Publish(AgentEvents.Policy(deleted: false, key.Kind, key.Namespace, key.Name, revision, ruleCount: 1));
                }
            }
            foreach (var key in _knownPolicies.Keys)
            {
                if (!now.ContainsKey(key))
                {
                    _events.Publish(AgentEvents.Policy(deleted: true, key.Kind, key.Namespace, key.Name, revision, ruleCount: 1));
                }
            }
            _knownPolicies = now;
        }
    }

    private void OnEndpointsChanged()
    {
        lock (_lock)
        {
            var list = _endpoints.List();
            var now = new Dictionary<int, Client.Models.EndpointModel>();
            foreach (var endpoint in list)
            {
                now[endpoint.Id] = endpoint;
                if (!_knownEndpoints.ContainsKey(endpoint.Id))
                {
                    _events.Publish(AgentEvents.Endpoint(deleted: false, (ulong)endpoint.Id, endpoint.Namespace, endpoint.Name, endpoint.Labels));
                }
            }
            foreach (var (id, gone) in _knownEndpoints)
            {
                if (!now.ContainsKey(id))
                {
                    _events.Publish(AgentEvents.Endpoint(deleted: true, (ulong)id, gone.Namespace, gone.Name, gone.Labels));
                }
            }
            _knownEndpoints = now;
        }
    }

    private static Dictionary<(string Kind, string Namespace, string Name), string> Snapshot(PolicyStore policies)
    {
        var map = new Dictionary<(string Kind, string Namespace, string Name), string>();
        foreach (var doc in policies.All())
        {
            map[(doc.Kind, doc.Namespace, doc.Name)] = doc.Yaml;
        }
        return map;
    }
}
