using CiliumL7.Policy.Api;
using CiliumL7.Policy.L7;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.Tracing;

/// <summary>One learned name for a trace: every <c>toFQDNs</c> selector matching <paramref name="name"/> selects <paramref name="identity"/>.</summary>
internal sealed class TraceFqdnIdentities(string name, uint identity) : IFqdnIdentities
{
    public uint[] Select(FqdnSelector selector) =>
        new DnsRule(selector.MatchName, selector.MatchPattern, "trace").Matches(name) ? [identity] : [];
}
