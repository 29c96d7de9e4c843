using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Events;

namespace CiliumL7.Hubble.Services;

/// <summary>
/// Runs one GetAgentEvents request against the <see cref="AgentEventBuffer"/>, with
/// GetFlows' rules: <c>first</c> → the oldest <c>number</c> (0: all); <c>number</c> → the
/// newest <c>number</c>; neither → all held unless following; <c>follow</c> → then every new
/// event until cancelled or past <c>until</c>. since/until bound event times.
/// </summary>
internal sealed class AgentEventStreamer
{
    private readonly AgentEventBuffer _buffer;
    private readonly string _nodeName;

    public AgentEventStreamer(AgentEventBuffer buffer, string nodeName)
    {
        _buffer = buffer;
        _nodeName = nodeName;
    }

    public async Task RunAsync(GetAgentEventsRequest request, Func<GetAgentEventsResponse, Task> emit, CancellationToken cancellationToken)
    {
        if (request.First && request.Follow)
        {
            throw new ArgumentException("first and follow cannot be combined");
        }
        var since = request.Since?.ToDateTimeOffset();
        var until = request.Until?.ToDateTimeOffset();
        if (since is { } s && until is { } u && s > u)
        {
            throw new ArgumentException($"since ({s:O}) is after until ({u:O})");
        }

        // :: Step 1: the backlog.
        var (held, next, changed) = _buffer.ReadFrom(0);
        var backlog = held.FindAll(r => InWindow(r, since, until));
        if (request.First)
        {
            Take(backlog, fromStart: true, request.Number);
        }
        else if (request.Number > 0)
        {
            Take(backlog, fromStart: false, request.Number);
        }
        else if (request.Follow && since is null)
        {
            backlog.Clear();
        }
        foreach (var record in backlog)
        {
            await emit(Response(record)).ConfigureAwait(false);
        }
        if (!request.Follow)
        {
            return;
        }

        // :: Step 2: follow.
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = until is { } end ? end - DateTimeOffset.UtcNow : Timeout.InfiniteTimeSpan;
            if (until is not null && wait <= TimeSpan.Zero)
            {
                return;
            }
            try
            {
                await changed.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return;
            }
            (held, var after, changed) = _buffer.ReadFrom(next);
            next = after;
            foreach (var record in held)
            {
                if (until is { } last && record.Time.ToDateTimeOffset() > last)
                {
                    return;
                }
                if (InWindow(record, since, until))
                {
                    await emit(Response(record)).ConfigureAwait(false);
                }
            }
        }
    }

    private GetAgentEventsResponse Response(AgentEventRecord record)
        => new() { AgentEvent = record.Event, NodeName = _nodeName, Time = record.Time };

    private static bool InWindow(AgentEventRecord record, DateTimeOffset? since, DateTimeOffset? until)
    {
        var t = record.Time.ToDateTimeOffset();
        return (since is not { } s || t >= s) && (until is not { } u || t <= u);
    }

    private static void Take(List<AgentEventRecord> events, bool fromStart, ulong number)
    {
        if (number == 0 || (ulong)events.Count <= number)
        {
            return;
        }
        var keep = (int)number;
        if (fromStart)
        {
            events.RemoveRange(keep, events.Count - keep);
        }
        else
        {
            events.RemoveRange(0, events.Count - keep);
        }
    }
}
