namespace CiliumL7.Policy.Api;

/// <summary>The entity names of <c>fromEntities</c>/<c>toEntities</c>.</summary>
public static class Entities
{
    /// <summary>Every valid entity name.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "all", "world", "world-ipv4", "world-ipv6", "cluster", "host", "init", "ingress",
        "unmanaged", "remote-node", "health", "none", "kube-apiserver",
    ];
}
