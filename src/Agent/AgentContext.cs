using CiliumL7.Agent.Observability;
using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.L7;
using CiliumL7.Agent.Policies;
using CiliumL7.Agent.Regeneration;

namespace CiliumL7.Agent;

/// <summary>The agent's subsystems, as the API handlers see them.</summary>
internal sealed record AgentContext(
    AgentOptions Options,
    EndpointManager Endpoints,
    PolicyStore Policies,
    INodeDatapath Datapath,
    IProxyIntegration Proxy,
    DropRecorder Drops,
    AgentFlowSink Flows,
    DateTimeOffset StartedAt)
{
    /// <summary>The cluster state in etcd (kvstore mode); null on a standalone node.</summary>
    public KvStore.KvStoreSync? KvStore { get; init; }

    /// <summary>Kubernetes mode's policy watchers; null on a node without an API server.</summary>
    public Kubernetes.KubernetesWatchers? Kubernetes { get; set; }

    /// <summary>The FQDN cache behind toFQDNs (learns from the DNS proxy).</summary>
    public Fqdn.FqdnManager? Fqdn { get; init; }

    /// <summary>Warnings about the policies in force (e.g. toFQDNs without a DNS rule).</summary>
    public Func<IReadOnlyList<string>>? PolicyWarnings { get; init; }

    /// <summary>Policy names of the datapath's cookies and of the audited directions (for status).</summary>
    public PolicyCookieNames? Cookies { get; init; }
}
