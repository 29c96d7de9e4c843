using CiliumL7.Hubble.Api;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Events;

/// <summary>
/// The node's recent agent events (agent start, policy and endpoint changes) for
/// Observer <c>GetAgentEvents</c>: the last <see cref="Capacity"/> events, oldest
/// dropped first, and a wake-up for followers. Agent events are rare (a few per
/// policy import), so one lock is all it needs.
/// </summary>
public sealed class AgentEventBuffer
{
    /// <summary>Events kept by default.</summary>
    public const int DefaultCapacity = 1024;

    private readonly Lock _lock = new();
    private readonly Queue<AgentEventRecord> _events = new();
    private long _next;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Creates a buffer of <paramref name="capacity"/> events.</summary>
    public AgentEventBuffer(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>How many events are kept.</summary>
    public int Capacity { get; }

    /// <summary>Events published since the buffer was created.</summary>
    public long SeenEvents
    {
        get
        {
            lock (_lock)
            {
                return _next;
            }
        }
    }

    /// <summary>Appends an event (stamped now unless <paramref name="time"/> is given) and wakes followers.</summary>
    public void Publish(AgentEvent agentEvent, DateTimeOffset? time = null)
    {
        ArgumentNullException.ThrowIfNull(agentEvent);
        var stamp = Timestamp.FromDateTimeOffset(time ?? DateTimeOffset.UtcNow);
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (_events.Count == Capacity)
            {
                _events.Dequeue();
            }
            _events.Enqueue(new AgentEventRecord(_next++, agentEvent, stamp));
            changed = _changed;
            _changed = NewSignal();
        }
        changed.TrySetResult();
    }

    /// <summary>The events with sequence ≥ <paramref name="from"/> that are still held, oldest first, and the next sequence number.</summary>
    public (List<AgentEventRecord> Events, long Next, Task Changed) ReadFrom(long from)
    {
        lock (_lock)
        {
            var list = new List<AgentEventRecord>();
            foreach (var record in _events)
            {
                if (record.Sequence >= from)
                {
                    list.Add(record);
                }
            }
            return (list, _next, _changed.Task);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
