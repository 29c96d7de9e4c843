using CiliumL7.Policy.L7;

namespace CiliumL7.Proxy;

/// <summary>Typed reads of an <see cref="IProxyPolicy"/>.</summary>
public static class ProxyPolicyExtensions
{
    /// <summary>The <typeparamref name="TSet"/> rules for <paramref name="key"/> and the peer; null (deny) when none or of another protocol.</summary>
    public static TSet? GetRules<TSet>(this IProxyPolicy policy, RedirectKey key, uint remoteIdentity)
        where TSet : L7RuleSet
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.GetRules(key, remoteIdentity) as TSet;
    }
}
