namespace CiliumL7.Policy.Api;

/// <summary>The resource kinds the parser accepts.</summary>
public static class PolicyKinds
{
    /// <summary><c>cilium.io/v2</c> CiliumNetworkPolicy (namespaced).</summary>
    public const string CiliumNetworkPolicy = "CiliumNetworkPolicy";

    /// <summary><c>cilium.io/v2</c> CiliumClusterwideNetworkPolicy.</summary>
    public const string CiliumClusterwideNetworkPolicy = "CiliumClusterwideNetworkPolicy";

    /// <summary><c>networking.k8s.io/v1</c> NetworkPolicy (L3/L4 only).</summary>
    public const string NetworkPolicy = "NetworkPolicy";
}
