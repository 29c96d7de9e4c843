using CiliumL7.Hubble.Api;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Events;

/// <summary>Builds agent events the way Cilium fills them (labels, revision, endpoint id).</summary>
public static class AgentEvents
{
    /// <summary>AGENT_STARTED with the start time.</summary>
    public static AgentEvent Started(DateTimeOffset time) => new()
    {
        Type = AgentEventType.AgentStarted,
        AgentStart = new TimeNotification { Time = Timestamp.FromDateTimeOffset(time) },
    };

    /// <summary>
    /// POLICY_UPDATED or POLICY_DELETED for one policy resource; labels as Cilium derives
    /// them (<c>k8s:io.cilium.k8s.policy.name=…</c>, <c>…namespace=…</c>, <c>…derived-from=…</c>).
    /// </summary>
    public static AgentEvent Policy(bool deleted, string kind, string @namespace, string name, ulong revision, long ruleCount)
    {
        var update = new PolicyUpdateNotification { Revision = revision, RuleCount = ruleCount };
        update.Labels.Add("k8s:io.cilium.k8s.policy.derived-from=" + kind);
        update.Labels.Add("k8s:io.cilium.k8s.policy.name=" + name);
        if (@namespace.Length > 0)
        {
            update.Labels.Add("k8s:io.cilium.k8s.policy.namespace=" + @namespace);
        }
        return new AgentEvent { Type = deleted ? AgentEventType.PolicyDeleted : AgentEventType.PolicyUpdated, PolicyUpdate = update };
    }

    /// <summary>ENDPOINT_CREATED or ENDPOINT_DELETED.</summary>
    public static AgentEvent Endpoint(bool deleted, ulong id, string @namespace, string podName, IEnumerable<string> labels)
    {
        var update = new EndpointUpdateNotification { Id = id, Namespace = @namespace, PodName = podName };
        update.Labels.AddRange(labels);
        return new AgentEvent { Type = deleted ? AgentEventType.EndpointDeleted : AgentEventType.EndpointCreated, EndpointUpdate = update };
    }
}
