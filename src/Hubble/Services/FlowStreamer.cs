using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Filters;
using CiliumL7.Hubble.Ring;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Services;

/// <summary>
/// Runs one GetFlows request against the ring, Hubble's way:
/// <code>
///   first=true        → the oldest `number` matching flows (0: all), oldest first
///   number&gt;0          → the newest `number` matching flows, oldest first
///   number=0, !follow → every matching flow held
///   follow            → then every new matching flow until cancelled
///                       (or until the clock or a flow passes `until`)
/// </code>
/// since/until bound flow times in every mode. A reader that falls behind
/// gets a LostEvent with the exact count instead of a silent gap.
/// <c>emit(response, more)</c>: <c>more</c> = true means another response follows
/// at once, so the transport may buffer instead of flushing.
/// </summary>
internal sealed class FlowStreamer
{
    private readonly FlowRing _ring;
    private readonly string _nodeName;
    private readonly Func<long>? _queueLost;

    /// <param name="ring">The node's ring.</param>
    /// <param name="nodeName">Stamped on every response.</param>
    /// <param name="queueLost">Events lost before the ring (the producers' queue; Hubble's OBSERVER_EVENTS_QUEUE), reported to followers as they grow.</param>
    public FlowStreamer(FlowRing ring, string nodeName, Func<long>? queueLost = null)
    {
        _ring = ring;
        _nodeName = nodeName;
        _queueLost = queueLost;
    }

    public async Task RunAsync(GetFlowsRequest request, Func<GetFlowsResponse, bool, Task> emit, CancellationToken cancellationToken)
    {
        if (request.First && request.Follow)
        {
            throw new ArgumentException("first and follow cannot be combined");
        }
        var filters = FlowFilterSet.Compile(request.Whitelist, request.Blacklist);
        var since = request.Since?.ToDateTimeOffset();
        var until = request.Until?.ToDateTimeOffset();
        if (since is { } s && until is { } u && s > u)
        {
            throw new ArgumentException($"since ({s:O}) is after until ({u:O})");
        }
        var window = new TimeWindow(since, until);

        // :: Step 1: the backlog the request asks for.
        long resumeAt;
        if (request.First)
        {
            await EmitForwardAsync(_ring.OldestSequence, request.Number, filters, window, emit, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (request.Number > 0)
        {
            resumeAt = await EmitLastAsync(request.Number, filters, window, emit, cancellationToken).ConfigureAwait(false);
        }
        else if (!request.Follow || since is not null)
        {
            resumeAt = await EmitForwardAsync(_ring.OldestSequence, 0, filters, window, emit, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            resumeAt = _ring.SeenFlows;
        }
        if (!request.Follow)
        {
            return;
        }

        // :: Step 2: follow new flows. While more are ready, writes are buffered
        // (one HTTP/2 flush per burst, not per flow); the last one before waiting flushes.
        var reader = _ring.CreateReader(resumeAt);
        GetFlowsResponse? pending = null;
        // A follow with `until` also ends when the clock passes it, even if no flow comes.
        using var untilReached = new CancellationTokenSource();
        if (until is { } end)
        {
            untilReached.CancelAfter(end - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        using var waitToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, untilReached.Token);
        var queueLostSeen = _queueLost?.Invoke() ?? 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!reader.TryRead(out var ringEvent))
            {
                if (pending is not null)
                {
                    await emit(pending, false).ConfigureAwait(false);
                    pending = null;
                }
                try
                {
                    ringEvent = await reader.ReadAsync(waitToken.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (untilReached.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
            if (_queueLost is not null && _queueLost() is var queueLost && queueLost > queueLostSeen)
            {
                // Events the producers' queue refused since the last look: told before the next flow.
                if (pending is not null)
                {
                    await emit(pending, true).ConfigureAwait(false);
                }
                pending = LostEventsResponse(queueLost - queueLostSeen, LostEventSource.ObserverEventsQueue);
                queueLostSeen = queueLost;
            }
            GetFlowsResponse? next;
            if (ringEvent.Flow is not { } flow)
            {
                next = LostEventsResponse(ringEvent.Lost);
            }
            else if (window.IsAfter(flow))
            {
                break;
            }
            else
            {
                next = window.Contains(flow) && filters.Matches(flow) ? FlowResponse(flow) : null;
            }
            if (next is not null)
            {
                if (pending is not null)
                {
                    await emit(pending, true).ConfigureAwait(false);
                }
                pending = next;
            }
        }
        if (pending is not null)
        {
            await emit(pending, false).ConfigureAwait(false);
        }
    }

    /// <summary>Emits matching flows from <paramref name="start"/> up to the current head; returns where it stopped.</summary>
    private async Task<long> EmitForwardAsync(long start, ulong limit, FlowFilterSet filters, TimeWindow window,
        Func<GetFlowsResponse, bool, Task> emit, CancellationToken cancellationToken)
    {
        var head = _ring.SeenFlows;
        var reader = _ring.CreateReader(start);
        ulong emitted = 0;
        GetFlowsResponse? pending = null;
        while (reader.Position < head && reader.TryRead(out var ringEvent))
        {
            cancellationToken.ThrowIfCancellationRequested();
            GetFlowsResponse? next = null;
            var stop = false;
            if (ringEvent.Flow is not { } flow)
            {
                next = LostEventsResponse(ringEvent.Lost);
            }
            else if (window.IsAfter(flow))
            {
                break;
            }
            else if (window.Contains(flow) && filters.Matches(flow))
            {
                next = FlowResponse(flow);
                stop = limit > 0 && ++emitted >= limit;
            }
            if (next is not null)
            {
                if (pending is not null)
                {
                    await emit(pending, true).ConfigureAwait(false);
                }
                pending = next;
            }
            if (stop)
            {
                break;
            }
        }
        if (pending is not null)
        {
            await emit(pending, false).ConfigureAwait(false);
        }
        return reader.Position;
    }

    /// <summary>Emits the newest <paramref name="number"/> matching flows, oldest first; returns the head it scanned from.</summary>
    private async Task<long> EmitLastAsync(ulong number, FlowFilterSet filters, TimeWindow window,
        Func<GetFlowsResponse, bool, Task> emit, CancellationToken cancellationToken)
    {
        var head = _ring.SeenFlows;
        var picked = new List<Flow>((int)Math.Min(number, (ulong)_ring.Capacity));
        for (var seq = head - 1; seq >= _ring.OldestSequence && (ulong)picked.Count < number; seq--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var flow = _ring.TryGet(seq);
            if (flow is null)
            {
                continue;
            }
            if (window.IsBefore(flow))
            {
                break;
            }
            if (window.Contains(flow) && filters.Matches(flow))
            {
                picked.Add(flow);
            }
        }
        for (var i = picked.Count - 1; i >= 0; i--)
        {
            await emit(FlowResponse(picked[i]), i > 0).ConfigureAwait(false);
        }
        return head;
    }

    private GetFlowsResponse FlowResponse(Flow flow) => new()
    {
        Flow = flow,
        NodeName = flow.NodeName.Length > 0 ? flow.NodeName : _nodeName,
        Time = flow.Time,
    };

    private GetFlowsResponse LostEventsResponse(long lost, LostEventSource source = LostEventSource.HubbleRingBuffer) => new()
    {
        LostEvents = new LostEvent { Source = source, NumEventsLost = (ulong)lost },
        NodeName = _nodeName,
        Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };
}
