using CiliumL7.Policy.Api;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.Tests;

public sealed class FqdnResolutionTests
{
    private const string ToApi = """
        endpointSelector: {matchLabels: {class: tiefighter}}
        egress:
        - toFQDNs: [{matchName: api.empire.test}]
          toPorts: [{ports: [{port: "80", protocol: TCP}]}]
        """;

    /// <summary>Names learned so far: selector → identities (what the agent's FQDN cache answers).</summary>
    private sealed class Learned(Dictionary<string, uint[]> byName) : IFqdnIdentities
    {
        public uint[] Select(FqdnSelector selector) =>
            byName.Where(kv => new L7.DnsRule(selector.MatchName, selector.MatchPattern, "t").Matches(kv.Key)).SelectMany(kv => kv.Value).Distinct().Order().ToArray();
    }

    [Fact]
    public void Resolve_ToFqdnsBeforeAnyAnswer_EgressEnforcedNothingAllowed()
    {
        var w = new World();
        var tie = w.Pod("tiefighter", "class=tiefighter");
        var p = PolicyResolver.Resolve(Manifests.Valid(Manifests.Cnp(ToApi)), [tie], w.Identities, new Learned([])).Endpoints[tie.Id];
        Assert.True(p.EgressEnforced);
        Assert.DoesNotContain(p.Entries, e => e.Direction == TrafficDirection.Egress && e.Action == PolicyAction.Allow);
    }

    [Fact]
    public void Resolve_ToFqdnsAfterAnswer_AllowsLearnedIdentityOnRulePortOnly()
    {
        var w = new World();
        var tie = w.Pod("tiefighter", "class=tiefighter");
        var api = w.Identities.GetOrAllocateCidr(System.Net.IPNetwork.Parse("198.51.100.10/32"));
        var other = w.Identities.GetOrAllocateCidr(System.Net.IPNetwork.Parse("198.51.100.11/32"));
        var learned = new Learned(new() { ["api.empire.test."] = [api], ["www.empire.test."] = [other] });
        var p = PolicyResolver.Resolve(Manifests.Valid(Manifests.Cnp(ToApi)), [tie], w.Identities, learned).Endpoints[tie.Id];
        Assert.Equal(PolicyAction.Allow, World.DatapathLookup(p, TrafficDirection.Egress, api, Protocols.Tcp, 80)?.Action);
        Assert.Null(World.DatapathLookup(p, TrafficDirection.Egress, api, Protocols.Tcp, 443));
        Assert.Null(World.DatapathLookup(p, TrafficDirection.Egress, other, Protocols.Tcp, 80));
    }

    [Fact]
    public void Resolve_ToFqdnsPattern_SelectsEveryMatchingName()
    {
        var w = new World();
        var tie = w.Pod("tiefighter", "class=tiefighter");
        var a = w.Identities.GetOrAllocateCidr(System.Net.IPNetwork.Parse("198.51.100.10/32"));
        var b = w.Identities.GetOrAllocateCidr(System.Net.IPNetwork.Parse("203.0.113.10/32"));
        var learned = new Learned(new() { ["api.empire.test."] = [a], ["www.empire.test."] = [b], ["x.rebels.test."] = [99] });
        var p = PolicyResolver.Resolve(Manifests.Valid(Manifests.Cnp(ToApi.Replace("matchName: api.empire.test", "matchPattern: \"*.empire.test\"", StringComparison.Ordinal))), [tie], w.Identities, learned).Endpoints[tie.Id];
        Assert.Equal([a, b], p.Entries.Where(e => e.Direction == TrafficDirection.Egress && e.Action == PolicyAction.Allow).Select(e => e.RemoteIdentity).Order());
    }
}
