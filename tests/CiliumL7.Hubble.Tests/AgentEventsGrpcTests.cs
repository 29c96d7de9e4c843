using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Events;
using Grpc.Core;

namespace CiliumL7.Hubble.Tests;

/// <summary>Observer GetAgentEvents / GetDebugEvents over the real server and a generated client.</summary>
public sealed class AgentEventsGrpcTests
{
    [Fact]
    public async Task GetAgentEvents_Number_ReturnsNewestEventsOldestFirstWithHubbleFields()
    {
        await using var hubble = await TestHubble.StartAsync();
        var started = DateTimeOffset.UtcNow.AddSeconds(-5);
        hubble.Server.AgentEvents.Publish(AgentEvents.Started(started), started);
        hubble.Server.AgentEvents.Publish(AgentEvents.Policy(false, "CiliumNetworkPolicy", "default", "rule1", 2, 1));
        hubble.Server.AgentEvents.Publish(AgentEvents.Endpoint(false, 7, "default", "deathstar", ["k8s:class=deathstar"]));

        var responses = await CollectAsync(hubble.UnixClient(), new GetAgentEventsRequest { Number = 2 });

        Assert.Equal([AgentEventType.PolicyUpdated, AgentEventType.EndpointCreated], responses.Select(r => r.AgentEvent.Type));
        var policy = responses[0].AgentEvent.PolicyUpdate;
        Assert.Equal((2ul, 1L), (policy.Revision, policy.RuleCount));
        Assert.Contains("k8s:io.cilium.k8s.policy.name=rule1", policy.Labels);
        Assert.Contains("k8s:io.cilium.k8s.policy.namespace=default", policy.Labels);
        var endpoint = responses[1].AgentEvent.EndpointUpdate;
        Assert.Equal((7ul, "default", "deathstar"), (endpoint.Id, endpoint.Namespace, endpoint.PodName));
        Assert.All(responses, r => Assert.Equal("node-test", r.NodeName));
    }

    [Fact]
    public async Task GetAgentEvents_Follow_ReceivesEventPublishedAfterSubscribing()
    {
        await using var hubble = await TestHubble.StartAsync();
        var started = DateTimeOffset.UtcNow;
        hubble.Server.AgentEvents.Publish(AgentEvents.Started(started), started);
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        using var call = hubble.UnixClient().GetAgentEvents(new GetAgentEventsRequest { Number = 1, Follow = true }, cancellationToken: cts.Token);

        // The backlog event proves the stream has taken its position.
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(AgentEventType.AgentStarted, call.ResponseStream.Current.AgentEvent.Type);
        Assert.Equal(started, call.ResponseStream.Current.AgentEvent.AgentStart.Time.ToDateTimeOffset());

        hubble.Server.AgentEvents.Publish(AgentEvents.Policy(true, "CiliumNetworkPolicy", "default", "rule1", 3, 1));

        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(AgentEventType.PolicyDeleted, call.ResponseStream.Current.AgentEvent.Type);
    }

    [Fact]
    public async Task GetAgentEvents_FirstAndFollow_InvalidArgument()
    {
        await using var hubble = await TestHubble.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => CollectAsync(hubble.UnixClient(), new GetAgentEventsRequest { First = true, Follow = true }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task GetDebugEvents_Any_Unimplemented()
    {
        await using var hubble = await TestHubble.StartAsync();
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        using var call = hubble.UnixClient().GetDebugEvents(new GetDebugEventsRequest { Follow = true }, cancellationToken: cts.Token);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cts.Token));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Contains("debug events", error.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<List<GetAgentEventsResponse>> CollectAsync(Observer.ObserverClient client, GetAgentEventsRequest request)
    {
        using var cts = new CancellationTokenSource(GrpcCollect.Timeout);
        using var call = client.GetAgentEvents(request, cancellationToken: cts.Token);
        var list = new List<GetAgentEventsResponse>();
        while (await call.ResponseStream.MoveNext(cts.Token))
        {
            list.Add(call.ResponseStream.Current);
        }
        return list;
    }
}
