using System.Net;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Fqdn;
using CiliumL7.Agent.Ipam;
using CiliumL7.Agent.L7;
using CiliumL7.Agent.Observability;
using CiliumL7.Agent.Policies;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Client.Models;
using CiliumL7.Proxy.Dns;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace CiliumL7.Agent.Tests.Fqdn;

/// <summary>
/// The agent's own path from a DNS answer to policy-map state: FqdnManager →
/// PolicyRegenerator.RegenerateChanged → ResolverPolicyEngine → datapath. The
/// datapath here is the agent's NullDatapath (it records what would be written);
/// the eBPF maps themselves are covered by the datapath tests.
/// </summary>
public sealed class FqdnRegenerationTests : IDisposable
{
    private const string Policy = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: to-api, namespace: default}
        spec:
          endpointSelector: {matchLabels: {class: tiefighter}}
          egress:
          - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system}}]
            toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*.empire.test"}]}}]
          - toFQDNs: [{matchName: api.empire.test}]
            toPorts: [{ports: [{port: "80", protocol: TCP}]}]
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("ciliuml7-fqdn-regen-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task LearnAsync_AnswerForSelectedName_PolicyEntryWrittenBeforeCompletionOnlyForSelectingEndpoint()
    {
        var endpoints = new EndpointManager(_dir, Ipv4Cidr.Parse("10.244.0.0/24"));
        var policies = new PolicyStore(AgentComponents.CreateValidator(), Path.Combine(_dir, "policies.json"));
        var datapath = new NullDatapath(_dir, "test");
        var engine = new ResolverPolicyEngine(endpoints, new ProxyPortAllocator(Path.Combine(_dir, "redirects.json"), 15000, 15999));
        var regenerator = new PolicyRegenerator(endpoints, policies, datapath, engine, new NoProxy("test"), new PolicyCookieNames(), NullLogger<PolicyRegenerator>.Instance);
        var fqdn = new FqdnManager(new FqdnOptions(), endpoints.Allocator, Path.Combine(_dir, "fqdn.json"));
        engine.Fqdns = fqdn;
        fqdn.Regenerate = regenerator.RegenerateChanged;
        var tie = Pod(endpoints, "tiefighter", "class=tiefighter", "10.244.0.10");
        var xwing = Pod(endpoints, "xwing", "class=xwing", "10.244.0.11");
        var (_, errors, _) = policies.Import(Policy, "to-api.yaml");
        Assert.Empty(errors);
        regenerator.RegenerateNow();
        var before = datapath.ReadPolicy(tie.Id)!;
        Assert.True(before.EgressEnforced);

        await fqdn.LearnAsync(new FqdnObservation((uint)tie.Id, "api.empire.test.", [(IPAddress.Parse("198.51.100.10"), 30)], [], DateTimeOffset.UtcNow), CancellationToken.None);

        var id = endpoints.Allocator.Cidrs[IPNetwork.Parse("198.51.100.10/32")];
        var after = datapath.ReadPolicy(tie.Id)!;
        Assert.Contains(after.Entries, e => e.Direction == CiliumL7.Policy.TrafficDirection.Egress && e.Identity == id && e.Port == 80 && e.Protocol == 6 && e.Action == CiliumL7.Policy.Resolution.PolicyAction.Allow);
        Assert.DoesNotContain(datapath.ReadPolicy(xwing.Id)!.Entries, e => e.Identity == id);
        Assert.Equal(regenerator.LastComputation!.CidrIdentities[IPNetwork.Parse("198.51.100.10/32")], id); // ipcache row in the same pass

        fqdn.Clean(null, null);
        Assert.DoesNotContain(datapath.ReadPolicy(tie.Id)!.Entries, e => e.Identity == id);
    }

    public static TheoryData<string, bool> Shapes => new()
    {
        // plain L4 allow to a name: incremental
        { Policy, true },
        // a pattern, a port range, no ports at all: incremental
        { Egress("- toFQDNs: [{matchPattern: \"*.empire.test\"}]\n    toPorts: [{ports: [{port: \"8000\", endPort: 8080, protocol: TCP}]}]"), true },
        { Egress("- toFQDNs: [{matchName: api.empire.test}]"), true },
        // L7 rules on the name: the proxy's rule sets need the full resolution
        { Egress("- toFQDNs: [{matchName: api.empire.test}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}], rules: {http: [{method: GET}]}}]"), false },
        // a deny in the egress: deny precedence needs the full resolution
        { Egress("- toFQDNs: [{matchName: api.empire.test}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]") + "\n  egressDeny:\n  - toCIDR: [198.51.100.0/24]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]", false },
        // world allowed elsewhere: moving the address out of world needs the full resolution
        { Egress("- toFQDNs: [{matchName: api.empire.test}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]\n  - toEntities: [world]\n    toPorts: [{ports: [{port: \"443\", protocol: TCP}]}]"), false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task LearnAsync_PolicyShape_IncrementalOnlyWhenExactAndMapEqualsTheFullResolution(string policy, bool incremental)
    {
        var (endpoints, datapath, regenerator, fqdn) = Agent(policy);
        var tie = Pod(endpoints, "tiefighter", "class=tiefighter", "10.244.0.10");
        regenerator.RegenerateNow();

        await fqdn.LearnAsync(new FqdnObservation((uint)tie.Id, "api.empire.test.", [(IPAddress.Parse("198.51.100.10"), 30), (IPAddress.Parse("198.51.100.11"), 30)], [], DateTimeOffset.UtcNow), CancellationToken.None);

        Assert.Equal(incremental ? 1 : 0, fqdn.PlumbedIncrementally);
        var held = Sorted(datapath.ReadPolicy(tie.Id)!);
        regenerator.RegenerateNow(); // what a full resolution writes
        Assert.Equal(Sorted(datapath.ReadPolicy(tie.Id)!), held);
        var id = endpoints.Allocator.Cidrs[IPNetwork.Parse("198.51.100.10/32")];
        Assert.Contains(held, e => e.Identity == id);
    }

    [Fact]
    public async Task LearnAsync_Incremental_EntriesSurviveAResolutionThatReadTheCacheBefore()
    {
        var (endpoints, datapath, regenerator, fqdn) = Agent(Policy);
        var engine = (ResolverPolicyEngine)typeof(PolicyRegenerator).GetField("_engine", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(regenerator)!;
        var tie = Pod(endpoints, "tiefighter", "class=tiefighter", "10.244.0.10");
        regenerator.RegenerateNow();
        await fqdn.LearnAsync(new FqdnObservation((uint)tie.Id, "api.empire.test.", [(IPAddress.Parse("198.51.100.10"), 30)], [], DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(1, fqdn.PlumbedIncrementally);
        var id = endpoints.Allocator.Cidrs[IPNetwork.Parse("198.51.100.10/32")];

        // a resolution whose FQDN cache view predates the answer (sequence 0, selects nothing) keeps the entry
        engine.Fqdns = null;
        regenerator.FqdnSequence = () => 0;
        regenerator.RegenerateNow();
        Assert.Contains(datapath.ReadPolicy(tie.Id)!.Entries, e => e.Identity == id && e.Port == 80);

        // one that saw the sequence, and no longer selects the address, removes it
        regenerator.FqdnSequence = () => fqdn.Sequence;
        regenerator.RegenerateNow();
        Assert.DoesNotContain(datapath.ReadPolicy(tie.Id)!.Entries, e => e.Identity == id);
    }

    [Fact]
    public async Task RegenerateChanged_AfterIncrementalLearns_RewritesNoMapThatAlreadyHoldsTheResolution()
    {
        var (endpoints, datapath, regenerator, fqdn) = Agent(Egress("- toFQDNs: [{matchPattern: \"*.load.empire.test\"}]\n    toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]"));
        var tie = Pod(endpoints, "tiefighter", "class=tiefighter", "10.244.0.10");
        var xwing = Pod(endpoints, "xwing", "class=xwing", "10.244.0.11");
        regenerator.RegenerateNow();
        for (var i = 1; i <= 20; i++)
        {
            await fqdn.LearnAsync(new FqdnObservation((uint)tie.Id, $"n{i}.load.empire.test.", [(IPAddress.Parse($"198.51.100.{i}"), 30)], [], DateTimeOffset.UtcNow), CancellationToken.None);
        }
        Assert.Equal(20, fqdn.PlumbedIncrementally);
        var writes = datapath.PolicyWrites;

        // The background consistency pass: the maps already hold what it resolves.
        Assert.True(regenerator.RegenerateChanged());
        Assert.Equal(writes, datapath.PolicyWrites);
        Assert.Equal(20, datapath.ReadPolicy(tie.Id)!.Entries.Count(e => e.Port == 80));

        // A map that does not hold the resolution is rewritten: the policy no longer selects one name.
        fqdn.Clean(null, "n1.load.empire.test");
        Assert.True(datapath.PolicyWrites > writes);
        var id = endpoints.Allocator.Cidrs.GetValueOrDefault(IPNetwork.Parse("198.51.100.1/32"));
        Assert.DoesNotContain(datapath.ReadPolicy(tie.Id)!.Entries, e => e.Identity == id && e.Port == 80);
        Assert.Equal(19, datapath.ReadPolicy(tie.Id)!.Entries.Count(e => e.Port == 80));
        Assert.DoesNotContain(datapath.ReadPolicy(xwing.Id)!.Entries, e => e.Port == 80);
    }

    private static string Egress(string rules) => $$$"""
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: to-api, namespace: default}
        spec:
          endpointSelector: {matchLabels: {class: tiefighter}}
          egress:
          - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system}}]
            toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*.empire.test"}]}}]
          {{{rules}}}
        """;

    private (EndpointManager, NullDatapath, PolicyRegenerator, FqdnManager) Agent(string policy)
    {
        var endpoints = new EndpointManager(_dir, Ipv4Cidr.Parse("10.244.0.0/24"));
        var policies = new PolicyStore(AgentComponents.CreateValidator(), Path.Combine(_dir, "policies.json"));
        var datapath = new NullDatapath(_dir, "test");
        var engine = new ResolverPolicyEngine(endpoints, new ProxyPortAllocator(Path.Combine(_dir, "redirects.json"), 15000, 15999));
        var regenerator = new PolicyRegenerator(endpoints, policies, datapath, engine, new NoProxy("test"), new PolicyCookieNames(), NullLogger<PolicyRegenerator>.Instance);
        var fqdn = new FqdnManager(new FqdnOptions(), endpoints.Allocator, Path.Combine(_dir, "fqdn.json"));
        engine.Fqdns = fqdn;
        fqdn.Regenerate = regenerator.RegenerateChanged;
        fqdn.PlumbIncrementally = (learned, sequence) => regenerator.TryPlumb(learned, sequence, fqdn.Selects);
        regenerator.FqdnSequence = () => fqdn.Sequence;
        var (_, errors, _) = policies.Import(policy, "to-api.yaml");
        Assert.Empty(errors);
        return (endpoints, datapath, regenerator, fqdn);
    }

    private static List<PolicyMapEntrySpec> Sorted(EndpointMapState state) =>
        [.. state.Entries.OrderBy(e => (e.Direction, e.Identity, e.Protocol, e.Port, e.EndPort))];

    private static EndpointModel Pod(EndpointManager endpoints, string name, string labels, string ip) =>
        endpoints.Create(new EndpointCreateRequest
        {
            ContainerId = name + "-cid", Name = name, Namespace = "default", Labels = labels.Split(','), Ipv4 = ip,
            HostInterface = "lxc" + name, Ifindex = 100 + ip[^1], Netns = "/var/run/netns/" + name, PodInterface = "eth0",
        }).Endpoint;
}
