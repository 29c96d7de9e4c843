using CiliumL7.Policy.L7;

namespace CiliumL7.Proxy;

/// <summary>
/// One immutable policy snapshot as the proxy sees it. The agent builds a new
/// snapshot per regeneration and hands it over with <see cref="L7Proxy.SetPolicy"/>;
/// each request reads the current snapshot once, so it is judged by one whole policy.
/// </summary>
public interface IProxyPolicy
{
    /// <summary>
    /// The L7 rules for traffic on <paramref name="key"/> whose remote peer has
    /// <paramref name="remoteIdentity"/>; null when nothing allows that peer (deny).
    /// A protocol handler reads them with <see cref="ProxyPolicyExtensions.GetRules{TSet}"/>:
    /// a set of another protocol is a deny too.
    /// </summary>
    L7RuleSet? GetRules(RedirectKey key, uint remoteIdentity);
}
