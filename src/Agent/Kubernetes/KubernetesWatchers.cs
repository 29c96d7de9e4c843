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
/// <see cref="PodCache"/> (the labels of the pods a CNI ADD names). Runs when the agent has
/// a kubeconfig (<c>--k8s-kubeconfig-path</c>) or runs in a pod (in-cluster config).
/// </summary>
internal sealed class KubernetesWatchers : BackgroundService
{
    private readonly IKubernetes _client;
    private readonly ILogger _logger;

    public KubernetesWatchers(IKubernetes client, PolicyStore store, ILoggerFactory loggers, int pageSize = 500, TimeSpan? watchTimeout = null)
    {
        _client = client;
        _logger = loggers.CreateLogger("CiliumL7.Agent.Kubernetes");
        Watchers =
        [
            .. KubernetesResource.Policies.Select(r => new ResourceWatcher(client, r, new PolicySink(store, r, _logger), _logger, pageSize, watchTimeout)),
            new ResourceWatcher(client, KubernetesResource.Namespace, Pods.Namespaces, _logger, pageSize, watchTimeout),
            new ResourceWatcher(client, KubernetesResource.Pod, Pods.Pods, _logger, pageSize, watchTimeout),
        ];
    }

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
        Task.WhenAll(Watchers.Select(w => Task.Run(() => w.RunAsync(stoppingToken), stoppingToken)));
}
