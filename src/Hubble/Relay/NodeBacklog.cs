using CiliumL7.Hubble.Api;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CiliumL7.Hubble.Relay;

/// <summary>
/// A non-follow GetFlows asked of every node at once and merged in time order:
/// <code>
///   each node: ServerStatus probe (dial timeout) ─► GetFlows(number, first, since, until, filters)
///   merge: all flows sorted by time (then node name) ─► first: the oldest `number`; else the newest `number` (0: all)
/// </code>
/// A node that does not answer is reported, never an error for the whole request.
/// </summary>
internal sealed class NodeBacklog
{
    private NodeBacklog(List<GetFlowsResponse> responses, List<string> connected, List<(string Name, string Reason)> unavailable, Dictionary<string, (Timestamp Time, HashSet<string> Uuids)> latest)
    {
        Responses = responses;
        Connected = connected;
        Unavailable = unavailable;
        Latest = latest;
    }

    /// <summary>The merged responses (lost-event notices first, then flows in time order).</summary>
    public List<GetFlowsResponse> Responses { get; }

    /// <summary>Nodes that answered.</summary>
    public List<string> Connected { get; }

    /// <summary>Nodes that did not, with why.</summary>
    public List<(string Name, string Reason)> Unavailable { get; }

    /// <summary>Per node, the time of the newest flow it sent (before trimming to `number`) and the uuids sent with that time: where following resumes.</summary>
    public Dictionary<string, (Timestamp Time, HashSet<string> Uuids)> Latest { get; }

    public static async Task<NodeBacklog> CollectAsync(IReadOnlyList<RelayPeer> peers, GetFlowsRequest request, TimeSpan dialTimeout, CancellationToken ct)
    {
        var nodeRequest = request.Clone();
        nodeRequest.Follow = false;
        var results = await Task.WhenAll(peers.Select(p => AskAsync(p, nodeRequest, dialTimeout, ct))).ConfigureAwait(false);

        var connected = new List<string>();
        var unavailable = new List<(string, string)>();
        var lost = new List<GetFlowsResponse>();
        var flows = new List<GetFlowsResponse>();
        var latest = new Dictionary<string, (Timestamp Time, HashSet<string> Uuids)>(StringComparer.Ordinal);
        for (var i = 0; i < peers.Count; i++)
        {
            var (responses, failure) = results[i];
            if (failure is not null)
            {
                unavailable.Add((peers[i].Name, failure));
                continue;
            }
            connected.Add(peers[i].Name);
            foreach (var response in responses!)
            {
                if (response.ResponseTypesCase == GetFlowsResponse.ResponseTypesOneofCase.Flow)
                {
                    Stamp(response, peers[i].Name);
                    flows.Add(response);
                    var order = latest.TryGetValue(peers[i].Name, out var seen) ? FlowOrder.Compare(response.Time, seen.Time) : 1;
                    if (order > 0)
                    {
                        latest[peers[i].Name] = (response.Time, new HashSet<string>(StringComparer.Ordinal) { response.Flow.Uuid });
                    }
                    else if (order == 0)
                    {
                        seen.Uuids.Add(response.Flow.Uuid);
                    }
                }
                else if (response.ResponseTypesCase == GetFlowsResponse.ResponseTypesOneofCase.LostEvents)
                {
                    lost.Add(response);
                }
            }
        }
        // Stable: flows of one node with equal times keep the node's order.
        flows = [.. flows.OrderBy(r => FlowOrder.Key(r.Time)).ThenBy(r => r.NodeName, StringComparer.Ordinal)];
        if (request.Number > 0 && (ulong)flows.Count > request.Number)
        {
            var keep = (int)request.Number;
            flows = request.First ? flows.GetRange(0, keep) : flows.GetRange(flows.Count - keep, keep);
        }
        lost.AddRange(flows);
        return new NodeBacklog(lost, connected, unavailable, latest);
    }

    /// <summary>Sets node_name (response and flow) to the node the relay read it from when the node left it empty.</summary>
    public static void Stamp(GetFlowsResponse response, string node)
    {
        if (response.NodeName.Length == 0)
        {
            response.NodeName = node;
        }
        if (response.Flow is { } flow && flow.NodeName.Length == 0)
        {
            flow.NodeName = response.NodeName;
        }
        response.Time ??= response.Flow?.Time;
    }

    private static async Task<(List<GetFlowsResponse>? Responses, string? Failure)> AskAsync(RelayPeer peer, GetFlowsRequest request, TimeSpan dialTimeout, CancellationToken ct)
    {
        if (await peer.TryStatusAsync(dialTimeout, ct).ConfigureAwait(false) is null)
        {
            return (null, $"{peer.Address} does not answer");
        }
        try
        {
            using var call = peer.Client.GetFlows(request, cancellationToken: ct);
            var responses = new List<GetFlowsResponse>();
            while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                responses.Add(call.ResponseStream.Current);
            }
            return (responses, null);
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            return (null, $"{e.StatusCode}: {e.Status.Detail}");
        }
    }
}
