using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Policies;
using k8s;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// The agent's way into Kubernetes mode. Start-up code talks to this type only, so a
/// standalone node does not build a client or run the library's in-cluster checks —
/// the client's types are touched only when <see cref="Wanted"/> says the node has an
/// API server. (The assembly is still mapped at idle: the status and CNI handlers
/// resolve Kubernetes-mode types; perf/RESULTS.md "Agent memory, round 2".)
/// </summary>
internal sealed class KubernetesConnection
{
    private readonly IKubernetes _client;

    private KubernetesConnection(IKubernetes client) => _client = client;

    /// <summary>
    /// A kubeconfig was given, or the agent may use an in-cluster config and runs in a
    /// pod (Kubernetes sets KUBERNETES_SERVICE_HOST and _PORT in every container; the
    /// client's own in-cluster check starts with the same two variables).
    /// </summary>
    public static bool Wanted(AgentOptions options) =>
        options.KubeconfigPath is not null
        || (options.EnableK8s
            && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"))
            && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT")));

    /// <summary>The connection, or null for a standalone node.</summary>
    /// <exception cref="AgentConfigurationException">The kubeconfig is missing or unusable.</exception>
    public static KubernetesConnection? Open(AgentOptions options) =>
        Wanted(options) && KubernetesWatchers.CreateClient(options) is { } client ? new KubernetesConnection(client) : null;

    /// <summary>This node's Node.spec.podCIDR (<c>--ipam kubernetes</c>); waits up to <paramref name="wait"/>.</summary>
    public string ReadPodCidr(string nodeName, ILogger logger, TimeSpan wait)
    {
        // Blocking on purpose: with inline socket completions an await here would resume the rest of
        // start-up on a socket event thread, which start-up then blocks.
        var client = _client;
        return Task.Run(() => NodePodCidr.ReadAsync(client, nodeName, logger, wait)).GetAwaiter().GetResult();
    }

    /// <summary>The list/watchers of Kubernetes mode (policies, pods, namespaces, services + EndpointSlices, and Nodes when <paramref name="nodeName"/> is given).</summary>
    public KubernetesWatchers CreateWatchers(PolicyStore policies, ILoggerFactory loggers, Services.ServiceManager? services, string? nodeName = null) =>
        new(_client, policies, loggers, services: services, nodeName: nodeName);
}
