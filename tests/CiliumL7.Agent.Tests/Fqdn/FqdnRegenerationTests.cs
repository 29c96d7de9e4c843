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

    private static EndpointModel Pod(EndpointManager endpoints, string name, string labels, string ip) =>
        endpoints.Create(new EndpointCreateRequest
        {
            ContainerId = name + "-cid", Name = name, Namespace = "default", Labels = labels.Split(','), Ipv4 = ip,
            HostInterface = "lxc" + name, Ifindex = 100 + ip[^1], Netns = "/var/run/netns/" + name, PodInterface = "eth0",
        }).Endpoint;
}
