namespace CiliumL7.Agent.Kubernetes;

/// <summary>A resource type the agent lists and watches: where it lives in the API and its kind.</summary>
internal sealed record KubernetesResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public static readonly KubernetesResource CiliumNetworkPolicy = new("cilium.io", "v2", "ciliumnetworkpolicies", "CiliumNetworkPolicy", true);

    public static readonly KubernetesResource CiliumClusterwideNetworkPolicy = new("cilium.io", "v2", "ciliumclusterwidenetworkpolicies", "CiliumClusterwideNetworkPolicy", false);

    public static readonly KubernetesResource NetworkPolicy = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true);

    public static readonly KubernetesResource Pod = new("", "v1", "pods", "Pod", true);

    public static readonly KubernetesResource Namespace = new("", "v1", "namespaces", "Namespace", false);

    public static readonly KubernetesResource Service = new("", "v1", "services", "Service", true);

    public static readonly KubernetesResource EndpointSlice = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true);

    public static readonly KubernetesResource Node = new("", "v1", "nodes", "Node", false);

    /// <summary>The policy kinds, in the order their watchers start.</summary>
    public static readonly IReadOnlyList<KubernetesResource> Policies = [CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy];

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The list and watch calls for this type.</summary>
    public IListWatchApi Api(k8s.IKubernetes client) => Group.Length == 0 ? new CoreListWatchApi(client, this) : new GroupListWatchApi(client, this);
}
