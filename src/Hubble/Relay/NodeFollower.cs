using System.Threading.Channels;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Logging;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Hubble.Relay;

/// <summary>
/// Follows one node's flows for one relay GetFlows stream, and never fails that stream:
/// <code>
///   loop: probe (ServerStatus, dial timeout) ─fail─► NODE_UNAVAILABLE once, wait (backoff 250 ms … retry timeout)
///         └ok─► NODE_CONNECTED (if it was not) ─► GetFlows(follow, filters, since = after the last flow seen)
///                 stream breaks or ends ─► NODE_UNAVAILABLE, wait, loop
/// </code>
/// After a reconnect the node resends from the last flow's time; flows already sent (that time, same uuid) are skipped.
/// </summary>
internal sealed class NodeFollower
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);

    private readonly RelayPeer _peer;
    private readonly GetFlowsRequest _template;
    private readonly RelayOptions _options;
    private readonly ChannelWriter<GetFlowsResponse> _output;
    private readonly ILogger _logger;
    private readonly Timestamp _followStart;
    private readonly HashSet<string> _uuidsAtLast = new(StringComparer.Ordinal);
    private Timestamp _resumeSince;
    private Timestamp? _last;

    /// <param name="peer">The node.</param>
    /// <param name="request">The client's request (filters and until are forwarded; number/first were served by the backlog).</param>
    /// <param name="resumeSince">Where the first connection starts (flows from this time on).</param>
    /// <param name="sentAtResume">Uuids of flows with time <paramref name="resumeSince"/> already sent (by the backlog).</param>
    /// <param name="followStart">When the relay stream started: where a reconnect resumes if the node sent nothing yet.</param>
    /// <param name="options">Dial and retry timeouts.</param>
    /// <param name="output">Where flows and node status events go (the stream's sort buffer).</param>
    /// <param name="logger">Connection changes.</param>
    public NodeFollower(RelayPeer peer, GetFlowsRequest request, Timestamp resumeSince, IEnumerable<string> sentAtResume, Timestamp followStart, RelayOptions options, ChannelWriter<GetFlowsResponse> output, ILogger logger)
    {
        _peer = peer;
        _template = new GetFlowsRequest { Follow = true, Until = request.Until };
        _template.Whitelist.AddRange(request.Whitelist);
        _template.Blacklist.AddRange(request.Blacklist);
        _resumeSince = resumeSince;
        _last = resumeSince;
        _uuidsAtLast.UnionWith(sentAtResume);
        _followStart = followStart;
        _options = options;
        _output = output;
        _logger = logger;
    }

    /// <summary>Runs until cancelled, or until the node ends the stream because `until` passed.</summary>
    public async Task RunAsync(bool? connected, CancellationToken ct)
    {
        var delay = FirstRetry;
        while (!ct.IsCancellationRequested)
        {
            string reason;
            if (await _peer.TryStatusAsync(_options.DialTimeout, ct).ConfigureAwait(false) is null)
            {
                reason = $"{_peer.Address} does not answer";
            }
            else
            {
                if (connected != true)
                {
                    connected = true;
                    Log.NodeConnected(_logger, _peer.Name, _peer.Address);
                    await _output.WriteAsync(RelayEvents.NodeStatus(NodeState.NodeConnected, _peer.Name, "Receiving flows from " + _peer.Name), ct).ConfigureAwait(false);
                }
                delay = FirstRetry;
                try
                {
                    if (await StreamAsync(ct).ConfigureAwait(false))
                    {
                        return;
                    }
                    reason = "the node ended the stream";
                }
                catch (RpcException e) when (!ct.IsCancellationRequested)
                {
                    reason = $"{e.StatusCode}: {e.Status.Detail}";
                }
                // From now on a new connection resumes after what was already sent.
                _resumeSince = _last ?? _followStart;
            }
            if (connected != false)
            {
                connected = false;
                Log.NodeUnavailable(_logger, _peer.Name, _peer.Address, reason, delay);
                await _output.WriteAsync(RelayEvents.NodeStatus(NodeState.NodeUnavailable, _peer.Name, reason), ct).ConfigureAwait(false);
            }
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.RetryTimeout.Ticks));
        }
    }

    /// <summary>One GetFlows call; true when it ended because `until` passed (nothing more will come).</summary>
    private async Task<bool> StreamAsync(CancellationToken ct)
    {
        var request = _template.Clone();
        request.Since = _resumeSince;
        using var call = _peer.Client.GetFlows(request, cancellationToken: ct);
        while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.ResponseTypesCase == GetFlowsResponse.ResponseTypesOneofCase.Flow && !IsNew(response))
            {
                continue;
            }
            NodeBacklog.Stamp(response, _peer.Name);
            await _output.WriteAsync(response, ct).ConfigureAwait(false);
        }
        return _template.Until is { } until && DateTimeOffset.UtcNow >= until.ToDateTimeOffset();
    }

    /// <summary>False for a flow already sent before a reconnect (older than the last one, or the same time and uuid).</summary>
    private bool IsNew(GetFlowsResponse response)
    {
        var time = response.Time ?? response.Flow.Time;
        var order = _last is null ? 1 : FlowOrder.Compare(time, _last);
        if (order < 0 || (order == 0 && _uuidsAtLast.Contains(response.Flow.Uuid)))
        {
            return false;
        }
        if (order > 0)
        {
            _uuidsAtLast.Clear();
            _last = time;
        }
        _uuidsAtLast.Add(response.Flow.Uuid);
        return true;
    }
}
