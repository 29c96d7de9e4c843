using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Ipam;
using CiliumL7.Agent.Observability;
using CiliumL7.Agent.Policies;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Events;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class AgentEventFeedTests : IDisposable
{
    private const string Rule1 = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: rule1
        spec:
          endpointSelector:
            matchLabels:
              class: deathstar
          ingress:
          - fromEndpoints:
            - matchLabels:
                org: empire
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("ciliuml7-agentevents-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Attach_PolicyImportedChangedAndDeleted_StartedThenUpdatedUpdatedDeletedWithRevisions()
    {
        var buffer = new AgentEventBuffer();
        var policies = new PolicyStore(AgentComponents.CreateValidator(), Path.Combine(_dir, "policies.json"));
        AgentEventFeed.Attach(buffer, new EndpointManager(_dir, Ipv4Cidr.Parse("10.244.0.0/24")), policies, DateTimeOffset.UtcNow);

        var (_, _, imported) = policies.Import(Rule1, "a");
        policies.Import(Rule1, "a"); // same resource again: no event
        var changed = policies.Import(Rule1.Replace("org: empire", "org: alliance", StringComparison.Ordinal), "b").Revision;
        var (_, deleted) = policies.Delete("rule1", null, all: false);

        var events = buffer.ReadFrom(0).Events.Select(r => r.Event).ToList();
        Assert.Equal(
            [AgentEventType.AgentStarted, AgentEventType.PolicyUpdated, AgentEventType.PolicyUpdated, AgentEventType.PolicyDeleted],
            events.Select(e => e.Type));
        Assert.Equal([(ulong)imported, (ulong)changed, (ulong)deleted], events.Skip(1).Select(e => e.PolicyUpdate.Revision));
        Assert.All(events.Skip(1), e => Assert.Contains("k8s:io.cilium.k8s.policy.name=rule1", e.PolicyUpdate.Labels));
    }
}
