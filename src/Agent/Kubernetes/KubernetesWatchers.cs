using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Policies;
using k8s;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Kubernetes;

/// <summary>
/// Kubernetes mode: a list/watch per policy kind (CiliumNetworkPolicy,
/// CiliumClusterwideNetworkPolicy, NetworkPolicy) feeding the policy store beside the
/// policy directory and <c>policy import</c>, and of Pods and Namespaces feeding the
/// <see cref="PodCache"/> (the labels of the pods a CNI ADD names), of Services and
/// EndpointSlices feeding the eBPF load balancer, and (without a kvstore) of Nodes: the
/// node list and routes to the other nodes' pod CIDRs. Runs when the agent has
/// a kubeconfig (<c>--k8s-kubeconfig-path</c>) or runs in a pod (in-cluster config).
/// </summary>
internal sealed class KubernetesWatchers : BackgroundService
{
    private readonly IKubernetes _client;
    private readonly ILogger _logger;

    /// <param name="client">The API server.</param>
    /// <param name="store">The policy store the policy kinds feed.</param>
    /// <param name="loggers">Loggers.</param>
    /// <param name="pageSize">List page size (<c>limit</c>).</param>
    /// <param name="watchTimeout">The watch's <c>timeoutSeconds</c>.</param>
    /// <param name="services">The load balancer, fed by Services and EndpointSlices; null for none.</param>
    /// <param name="nodeName">This node's name, to watch Nodes (node list and routes to the others' pod CIDRs); null when a kvstore does that.</param>
    public KubernetesWatchers(IKubernetes client, PolicyStore store, ILoggerFactory loggers, int pageSize = 500, TimeSpan? watchTimeout = null,
        Services.ServiceManager? services = null, string? nodeName = null)
    {
        _client = client;
        _logger = loggers.CreateLogger("CiliumL7.Agent.Kubernetes");
        services?.ExpectEndpointSlices();
        Status = new PolicyStatusReporter(client, _logger);
        NodeList = nodeName is null ? null : new NodeSink(nodeName, _logger);
        Watchers =
        [
            .. KubernetesResource.Policies.Select(r => new ResourceWatcher(client, r,
                new PolicySink(store, r, _logger, r.Group == KubernetesResource.CiliumNetworkPolicy.Group ? Status : null), _logger, pageSize, watchTimeout)),
            new ResourceWatcher(client, KubernetesResource.Namespace, Pods.Namespaces, _logger, pageSize, watchTimeout),
            new ResourceWatcher(client, KubernetesResource.Pod, Pods.Pods, _logger, pageSize, watchTimeout),
            .. services is null ? [] : new[]
            {
                new ResourceWatcher(client, KubernetesResource.Service, new ServiceSink(services, _logger), _logger, pageSize, watchTimeout),
                new ResourceWatcher(client, KubernetesResource.EndpointSlice, new EndpointSliceSink(services, _logger), _logger, pageSize, watchTimeout),
            },
            .. NodeList is null ? [] : new[] { new ResourceWatcher(client, KubernetesResource.Node, NodeList, _logger, pageSize, watchTimeout) },
        ];
    }

    /// <summary>Writes the <c>Valid</c> condition of CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies.</summary>
    public PolicyStatusReporter Status { get; }

    /// <summary>The Nodes (without a kvstore): the node list and the routes to the other nodes' pod CIDRs.</summary>
    public NodeSink? NodeList { get; }

    public IReadOnlyList<ResourceWatcher> Watchers { get; }

    /// <summary>Pod and namespace labels (CNI ADD looks its pod up here).</summary>
    public PodCache Pods { get; } = new();

    /// <summary>The API server's address, for status.</summary>
    public Uri? Server => _client is k8s.Kubernetes k ? k.BaseUri : null;

    /// <summary>Builds the client: the kubeconfig file when given, else the pod's in-cluster config.</summary>
    public static IKubernetes? CreateClient(AgentOptions options)
    {
        if (options.KubeconfigPath is { } path)
        {
            if (!File.Exists(path))
            {
                throw new AgentConfigurationException($"--k8s-kubeconfig-path \"{path}\": no such file; give the path of a kubeconfig, or drop the flag for a standalone node");
            }
            try
            {
                return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
            }
            catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or FormatException or YamlDotNet.Core.YamlException)
            {
                throw new AgentConfigurationException($"--k8s-kubeconfig-path \"{path}\": not a usable kubeconfig: {e.Message}");
            }
        }
        if (options.EnableK8s && KubernetesClientConfiguration.IsInCluster())
        {
            return new k8s.Kubernetes(KubernetesClientConfiguration.InClusterConfig());
        }
        return null;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll([.. Watchers.Select(w => Task.Run(() => w.RunAsync(stoppingToken), stoppingToken)), Task.Run(() => Status.RunAsync(stoppingToken), stoppingToken)]);
}
