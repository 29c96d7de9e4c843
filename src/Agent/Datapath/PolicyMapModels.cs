using CiliumL7.Client.Models;
using CiliumL7.Policy;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Agent.Datapath;

/// <summary>The REST edge: the agent's map state as <c>bpf policy get</c> shows it.</summary>
internal static class PolicyMapModels
{
    public static BpfPolicyModel ToModel(EndpointMapState state, Func<uint, IReadOnlyList<string>> labelsOf) => new()
    {
        EndpointId = state.EndpointId,
        IngressEnforced = state.IngressEnforced,
        EgressEnforced = state.EgressEnforced,
        IngressAudit = state.IngressAudit,
        EgressAudit = state.EgressAudit,
        Entries = [.. state.Entries.Select(e => new BpfPolicyEntryModel
        {
            Direction = e.Direction == TrafficDirection.Egress ? "egress" : "ingress",
            Identity = e.Identity,
            IdentityLabels = e.Identity == 0 ? [] : labelsOf(e.Identity),
            Protocol = e.Protocol,
            Port = e.Port,
            EndPort = e.EndPort,
            Action = e.AuditBeside ? "audit-" + ActionName(e.Action) : ActionName(e.Action),
            ProxyPort = e.ProxyPort,
            PolicyName = e.PolicyName,
        })],
    };

    /// <summary>The action's API name; an unknown value throws (it is never shown as an allow).</summary>
    public static string ActionName(PolicyAction action) => action switch
    {
        PolicyAction.Allow => "allow",
        PolicyAction.Deny => "deny",
        PolicyAction.Redirect => "redirect",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "unknown policy action"),
    };
}
