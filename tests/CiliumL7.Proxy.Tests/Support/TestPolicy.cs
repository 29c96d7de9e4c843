using CiliumL7.Policy.L7;

namespace CiliumL7.Proxy.Tests.Support;

/// <summary>A policy snapshot: rules per remote identity (any key), or one set for everyone.</summary>
public sealed class TestPolicy(Func<RedirectKey, uint, HttpRuleSet?> lookup) : IProxyPolicy
{
    public int Lookups;

    public static TestPolicy Allow(params HttpRule[] rules)
    {
        var set = new HttpRuleSet(rules, "default/test-policy");
        return new TestPolicy((_, _) => set);
    }

    public L7RuleSet? GetRules(RedirectKey key, uint remoteIdentity)
    {
        Interlocked.Increment(ref Lookups);
        return lookup(key, remoteIdentity);
    }

    public static HttpRule Rule(string? method = null, string? path = null, string? host = null, params string[] headers) =>
        new(method, path, host, headers, "default/test-policy");
}
