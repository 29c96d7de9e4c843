using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Events;
using CiliumL7.Hubble.Ring;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CiliumL7.Hubble.Services;

/// <summary>
/// Hubble's <c>observer.Observer</c> gRPC service over this node's
/// <see cref="FlowRing"/>: GetFlows, GetAgentEvents, ServerStatus, GetNodes, GetNamespaces
/// (GetDebugEvents answers UNIMPLEMENTED: the datapath emits no debug events).
/// </summary>
public sealed class ObserverService : Api.Observer.ObserverBase
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan NamespaceWindow = TimeSpan.FromHours(1);
    private static readonly WriteOptions BufferedWrite = new(WriteFlags.BufferHint);

    private readonly FlowRing _ring;
    private readonly HubbleNode _node;
    private readonly FlowStreamer _streamer;
    private readonly AgentEventStreamer _agentEvents;
    private readonly CancellationToken _stopping;

    /// <summary>
    /// Serves <paramref name="ring"/> as node <paramref name="node"/>; open streams end
    /// (cleanly, status OK) when <paramref name="stopping"/> fires.
    /// </summary>
    public ObserverService(FlowRing ring, HubbleNode node, CancellationToken stopping = default)
        : this(ring, new AgentEventBuffer(), node, stopping)
    {
    }

    /// <summary>As above, with the node's agent events for GetAgentEvents.</summary>
    public ObserverService(FlowRing ring, AgentEventBuffer agentEvents, HubbleNode node, CancellationToken stopping = default)
        : this(ring, agentEvents, node, null, stopping)
    {
    }

    /// <summary>As above; <paramref name="queueLost"/> counts events lost before the ring (reported to followers as OBSERVER_EVENTS_QUEUE lost events).</summary>
    public ObserverService(FlowRing ring, AgentEventBuffer agentEvents, HubbleNode node, Func<long>? queueLost, CancellationToken stopping = default)
    {
        ArgumentNullException.ThrowIfNull(agentEvents);
        _agentEvents = new AgentEventStreamer(agentEvents, node.Name);
        _ring = ring;
        _node = node;
        _stopping = stopping;
        _streamer = new FlowStreamer(ring, node.Name, queueLost);
    }

    /// <inheritdoc/>
    public override async Task GetFlows(GetFlowsRequest request, IServerStreamWriter<GetFlowsResponse> responseStream, ServerCallContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopping);
        var ct = linked.Token;
        try
        {
            await _streamer.RunAsync(request, (response, more) =>
            {
                responseStream.WriteOptions = more ? BufferedWrite : null;
                return responseStream.WriteAsync(response, ct);
            }, ct).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away or the server is stopping: end the stream cleanly.
        }
    }

    /// <inheritdoc/>
    public override async Task GetAgentEvents(GetAgentEventsRequest request, IServerStreamWriter<GetAgentEventsResponse> responseStream, ServerCallContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopping);
        var ct = linked.Token;
        try
        {
            await _agentEvents.RunAsync(request, response => responseStream.WriteAsync(response, ct), ct).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away or the server is stopping: end the stream cleanly.
        }
    }

    /// <inheritdoc/>
    public override Task GetDebugEvents(GetDebugEventsRequest request, IServerStreamWriter<GetDebugEventsResponse> responseStream, ServerCallContext context)
        => throw new RpcException(new Status(StatusCode.Unimplemented,
            "GetDebugEvents: the CiliumL7 datapath emits no debug events (use GetFlows for drops, policy verdicts and L7 flows)"));

    /// <inheritdoc/>
    public override Task<ServerStatusResponse> ServerStatus(ServerStatusRequest request, ServerCallContext context)
        => Task.FromResult(new ServerStatusResponse
        {
            NumFlows = (ulong)_ring.Count,
            MaxFlows = (ulong)_ring.Capacity,
            SeenFlows = (ulong)_ring.SeenFlows,
            UptimeNs = _node.UptimeNs,
            NumConnectedNodes = 1,
            NumUnavailableNodes = 0,
            Version = _node.Version,
            FlowsRate = FlowsRate(),
        });

    /// <inheritdoc/>
    public override Task<GetNodesResponse> GetNodes(GetNodesRequest request, ServerCallContext context)
    {
        var response = new GetNodesResponse();
        response.Nodes.Add(new Node
        {
            Name = _node.Name,
            Version = _node.Version,
            Address = _node.Address,
            State = NodeState.NodeConnected,
            Tls = new TLS { Enabled = false },
            UptimeNs = _node.UptimeNs,
            NumFlows = (ulong)_ring.Count,
            MaxFlows = (ulong)_ring.Capacity,
            SeenFlows = (ulong)_ring.SeenFlows,
        });
        return Task.FromResult(response);
    }

    /// <inheritdoc/>
    public override Task<GetNamespacesResponse> GetNamespaces(GetNamespacesRequest request, ServerCallContext context)
    {
        var cutoff = DateTimeOffset.UtcNow - NamespaceWindow;
        var seen = new SortedSet<(string Cluster, string Namespace)>();
        for (var seq = _ring.SeenFlows - 1; seq >= _ring.OldestSequence; seq--)
        {
            if (_ring.TryGet(seq) is not { } flow)
            {
                continue;
            }
            if (flow.Time is { } t && t.ToDateTimeOffset() < cutoff)
            {
                break;
            }
            AddNamespace(seen, flow.Source);
            AddNamespace(seen, flow.Destination);
        }
        var response = new GetNamespacesResponse();
        foreach (var (cluster, ns) in seen)
        {
            response.Namespaces.Add(new Namespace { Cluster = cluster, Namespace_ = ns });
        }
        return Task.FromResult(response);
    }

    /// <summary>Flows per second over the last minute, from the flows' own timestamps.</summary>
    private double FlowsRate()
    {
        var now = DateTimeOffset.UtcNow;
        var cutoff = now - RateWindow;
        long count = 0;
        for (var seq = _ring.SeenFlows - 1; seq >= _ring.OldestSequence; seq--)
        {
            if (_ring.TryGetTime(seq) is not { } t)
            {
                continue;
            }
            if (t < cutoff)
            {
                break;
            }
            count++;
        }
        return count / RateWindow.TotalSeconds;
    }

    private static void AddNamespace(SortedSet<(string, string)> seen, Api.Endpoint? endpoint)
    {
        if (endpoint is { Namespace.Length: > 0 })
        {
            seen.Add((endpoint.ClusterName, endpoint.Namespace));
        }
    }
}
