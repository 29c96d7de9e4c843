using System.Threading.Channels;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Filters;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Hubble.Relay;

/// <summary>
/// Hubble Relay's <c>observer.Observer</c>: the cluster's flows from every node the Peer service
/// lists. GetFlows merges in time order (filters are forwarded to the nodes), GetNodes and
/// ServerStatus ask every node now; a node that does not answer is reported
/// (NODE_UNAVAILABLE, unavailable_nodes), never an error for the caller.
/// </summary>
internal sealed class RelayObserverService : Observer.ObserverBase
{
    private static readonly WriteOptions BufferedWrite = new(WriteFlags.BufferHint);

    private readonly PeerDiscovery _discovery;
    private readonly RelayOptions _options;
    private readonly ILogger _logger;
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly CancellationToken _stopping;

    public RelayObserverService(PeerDiscovery discovery, RelayOptions options, ILogger logger, CancellationToken stopping)
    {
        _discovery = discovery;
        _options = options;
        _logger = logger;
        _stopping = stopping;
    }

    /// <inheritdoc/>
    public override async Task GetFlows(GetFlowsRequest request, IServerStreamWriter<GetFlowsResponse> responseStream, ServerCallContext context)
    {
        Validate(request);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopping);
        var ct = linked.Token;
        try
        {
            await StreamAsync(request, responseStream, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && ct.IsCancellationRequested)
        {
            // The client went away, `until` passed or the relay is stopping: end the stream cleanly.
        }
    }

    private async Task StreamAsync(GetFlowsRequest request, IServerStreamWriter<GetFlowsResponse> responseStream, CancellationToken ct)
    {
        // :: Step 1: the backlog (every node at once, merged, trimmed to `number`).
        var followStart = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        var peers = _discovery.Peers();
        NodeBacklog? backlog = null;
        if (!request.Follow || request.Number > 0 || request.Since is not null)
        {
            backlog = await NodeBacklog.CollectAsync(peers, request, _options.DialTimeout, ct).ConfigureAwait(false);
            if (backlog.Connected.Count > 0)
            {
                await responseStream.WriteAsync(RelayEvents.NodeStatus(NodeState.NodeConnected, backlog.Connected, "Receiving flows from the following nodes"), ct).ConfigureAwait(false);
            }
            if (backlog.Unavailable.Count > 0)
            {
                await responseStream.WriteAsync(RelayEvents.NodeStatus(NodeState.NodeUnavailable, backlog.Unavailable.Select(u => u.Name),
                    "The following nodes are unavailable: " + string.Join("; ", backlog.Unavailable.Select(u => $"{u.Name}: {u.Reason}"))), ct).ConfigureAwait(false);
            }
            for (var i = 0; i < backlog.Responses.Count; i++)
            {
                responseStream.WriteOptions = i < backlog.Responses.Count - 1 ? BufferedWrite : null;
                await responseStream.WriteAsync(backlog.Responses[i], ct).ConfigureAwait(false);
            }
            responseStream.WriteOptions = null;
        }
        if (!request.Follow)
        {
            return;
        }

        // :: Step 2: follow every node (and nodes that join later) into one channel.
        using var until = new CancellationTokenSource();
        if (request.Until is { } end)
        {
            var left = end.ToDateTimeOffset() - DateTimeOffset.UtcNow;
            until.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        using var followCts = CancellationTokenSource.CreateLinkedTokenSource(ct, until.Token);
        var fct = followCts.Token;
        var merged = Channel.CreateBounded<GetFlowsResponse>(new BoundedChannelOptions(4096) { SingleReader = true });
        var followers = new Dictionary<string, (CancellationTokenSource Cts, Task Task)>(StringComparer.Ordinal);
        var gate = new object();
        void Sync()
        {
            lock (gate)
            {
                if (fct.IsCancellationRequested)
                {
                    return;
                }
                var current = _discovery.Peers();
                foreach (var peer in current)
                {
                    if (followers.ContainsKey(peer.Name))
                    {
                        continue;
                    }
                    // Resume after the backlog's newest flow of this node; otherwise from the stream's start (not from
                    // when this follower got through: flows of the meantime are not lost).
                    var resumeSince = followStart;
                    IEnumerable<string> sent = [];
                    bool? connected = null;
                    if (backlog is not null)
                    {
                        if (backlog.Latest.TryGetValue(peer.Name, out var latest) && latest.Time is not null)
                        {
                            (resumeSince, sent) = (latest.Time, latest.Uuids);
                        }
                        connected = backlog.Connected.Contains(peer.Name) ? true : backlog.Unavailable.Any(u => u.Name == peer.Name) ? false : null;
                    }
                    var follower = new NodeFollower(peer, request, resumeSince, sent, followStart, _options, merged.Writer, _logger);
                    var cts = CancellationTokenSource.CreateLinkedTokenSource(fct);
                    followers[peer.Name] = (cts, Task.Run(() => FollowQuietlyAsync(follower, connected, cts.Token), CancellationToken.None));
                }
                foreach (var name in followers.Keys.Where(n => current.All(p => p.Name != n)).ToList())
                {
                    followers[name].Cts.Cancel();
                    followers.Remove(name);
                    merged.Writer.TryWrite(RelayEvents.NodeStatus(NodeState.NodeGone, name, name + " left the cluster"));
                }
            }
        }
        _discovery.Changed += Sync;
        try
        {
            Sync();
            await DrainAsync(merged.Reader, responseStream, fct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (until.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // `until` passed: what is buffered was written by DrainAsync.
        }
        finally
        {
            _discovery.Changed -= Sync;
            await followCts.CancelAsync().ConfigureAwait(false);
            Task[] tasks;
            lock (gate)
            {
                tasks = [.. followers.Values.Select(f => f.Task)];
            }
            await Task.WhenAll(tasks).ConfigureAwait(false);
            foreach (var f in followers.Values)
            {
                f.Cts.Dispose();
            }
        }
    }

    private static async Task FollowQuietlyAsync(NodeFollower follower, bool? connected, CancellationToken ct)
    {
        try
        {
            await follower.RunAsync(connected, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes node status events as they come and flows through the sort buffer; on cancellation flushes what it holds.</summary>
    private async Task DrainAsync(ChannelReader<GetFlowsResponse> reader, IServerStreamWriter<GetFlowsResponse> responseStream, CancellationToken ct)
    {
        var buffer = new SortBuffer(_options.SortBufferMaxLength, _options.SortBufferDrainTimeout);
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 10, _options.SortBufferDrainTimeout.Ticks / 4));
        try
        {
            while (true)
            {
                while (reader.TryRead(out var response))
                {
                    if (response.ResponseTypesCase == GetFlowsResponse.ResponseTypesOneofCase.NodeStatus)
                    {
                        await responseStream.WriteAsync(response, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        buffer.Add(response, DateTime.UtcNow.Ticks);
                    }
                }
                var now = DateTime.UtcNow.Ticks;
                while (buffer.TryTake(now, out var next))
                {
                    await responseStream.WriteAsync(next, ct).ConfigureAwait(false);
                }
                var wait = buffer.Count > 0 ? tick : Timeout.InfiniteTimeSpan;
                using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                waitCts.CancelAfter(wait);
                try
                {
                    await reader.WaitToReadAsync(waitCts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // A tick: time to look at the buffer's drain deadlines.
                }
            }
        }
        finally
        {
            if (!_stopping.IsCancellationRequested && buffer.Count > 0)
            {
                // `until` passed or the stream is ending: the held flows still go out, in order.
                foreach (var response in buffer.DrainAll())
                {
                    try
                    {
                        await responseStream.WriteAsync(response, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (InvalidOperationException)
                    {
                        break;
                    }
                    catch (IOException)
                    {
                        break;
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public override async Task<ServerStatusResponse> ServerStatus(ServerStatusRequest request, ServerCallContext context)
    {
        var peers = _discovery.Peers();
        var statuses = await Task.WhenAll(peers.Select(p => p.TryStatusAsync(_options.DialTimeout, context.CancellationToken))).ConfigureAwait(false);
        var response = new ServerStatusResponse { Version = _options.Version, UptimeNs = (ulong)(DateTimeOffset.UtcNow - _startedAt).Ticks * 100 };
        uint connected = 0;
        uint unavailable = 0;
        for (var i = 0; i < peers.Count; i++)
        {
            if (statuses[i] is not { } s)
            {
                unavailable++;
                response.UnavailableNodes.Add(peers[i].Name);
                continue;
            }
            connected++;
            response.NumFlows += s.NumFlows;
            response.MaxFlows += s.MaxFlows;
            response.SeenFlows += s.SeenFlows;
            response.FlowsRate += s.FlowsRate;
        }
        response.NumConnectedNodes = connected;
        response.NumUnavailableNodes = unavailable;
        return response;
    }

    /// <inheritdoc/>
    public override async Task<GetNodesResponse> GetNodes(GetNodesRequest request, ServerCallContext context)
    {
        var peers = _discovery.Peers();
        var statuses = await Task.WhenAll(peers.Select(p => p.TryStatusAsync(_options.DialTimeout, context.CancellationToken))).ConfigureAwait(false);
        var response = new GetNodesResponse();
        for (var i = 0; i < peers.Count; i++)
        {
            var node = new Node { Name = peers[i].Name, Address = peers[i].Address, Tls = new TLS { Enabled = false } };
            if (statuses[i] is { } s)
            {
                node.State = NodeState.NodeConnected;
                node.Version = s.Version;
                node.UptimeNs = s.UptimeNs;
                node.NumFlows = s.NumFlows;
                node.MaxFlows = s.MaxFlows;
                node.SeenFlows = s.SeenFlows;
            }
            else
            {
                node.State = NodeState.NodeUnavailable;
            }
            response.Nodes.Add(node);
        }
        return response;
    }

    /// <inheritdoc/>
    public override async Task<GetNamespacesResponse> GetNamespaces(GetNamespacesRequest request, ServerCallContext context)
    {
        var peers = _discovery.Peers();
        var answers = await Task.WhenAll(peers.Select(async p =>
        {
            try
            {
                return await p.Client.GetNamespacesAsync(request, deadline: DateTime.UtcNow + _options.DialTimeout, cancellationToken: context.CancellationToken).ConfigureAwait(false);
            }
            catch (RpcException) when (!context.CancellationToken.IsCancellationRequested)
            {
                return null;
            }
        })).ConfigureAwait(false);
        var seen = new SortedSet<(string Cluster, string Namespace)>();
        foreach (var answer in answers)
        {
            foreach (var ns in answer?.Namespaces ?? [])
            {
                seen.Add((ns.Cluster, ns.Namespace_));
            }
        }
        var response = new GetNamespacesResponse();
        response.Namespaces.AddRange(seen.Select(s => new Namespace { Cluster = s.Cluster, Namespace_ = s.Namespace }));
        return response;
    }

    /// <inheritdoc/>
    public override Task GetAgentEvents(GetAgentEventsRequest request, IServerStreamWriter<GetAgentEventsResponse> responseStream, ServerCallContext context)
        => throw new RpcException(new Status(StatusCode.Unimplemented, "GetAgentEvents: Hubble Relay does not merge agent events; ask one node's Hubble (unix:///var/run/ciliuml7/hubble.sock)"));

    /// <inheritdoc/>
    public override Task GetDebugEvents(GetDebugEventsRequest request, IServerStreamWriter<GetDebugEventsResponse> responseStream, ServerCallContext context)
        => throw new RpcException(new Status(StatusCode.Unimplemented, "GetDebugEvents: the CiliumL7 datapath emits no debug events"));

    /// <summary>Rejects what every node would reject, before asking any (first+follow, since after until, a bad filter).</summary>
    private static void Validate(GetFlowsRequest request)
    {
        if (request.First && request.Follow)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "first and follow cannot be combined"));
        }
        if (request.Since is { } s && request.Until is { } u && FlowOrder.Compare(s, u) > 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"since ({s.ToDateTimeOffset():O}) is after until ({u.ToDateTimeOffset():O})"));
        }
        try
        {
            FlowFilterSet.Compile(request.Whitelist, request.Blacklist);
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
    }
}
