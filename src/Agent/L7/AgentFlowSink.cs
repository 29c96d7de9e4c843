using CiliumL7.Proxy.Flows;

namespace CiliumL7.Agent.L7;

/// <summary>
/// Where the proxy's L7 flow events go: the last N are kept (for status and
/// tests) and every event is handed to the observers (e.g. the Hubble ring).
/// Thread-safe, non-blocking.
/// </summary>
internal sealed class AgentFlowSink : IFlowSink
{
    private readonly Queue<L7FlowEvent> _recent = new();
    private readonly int _capacity;

    public AgentFlowSink(int capacity = 1024) => _capacity = capacity;

    /// <summary>Called for every flow (after it is recorded).</summary>
    public Action<L7FlowEvent>? Observer { get; set; }

    public void Publish(L7FlowEvent flow)
    {
        lock (_recent)
        {
            if (_recent.Count == _capacity)
            {
                _recent.Dequeue();
            }
            _recent.Enqueue(flow);
        }
        Observer?.Invoke(flow);
    }

    public List<L7FlowEvent> Last(int count)
    {
        lock (_recent)
        {
            return [.. _recent.Skip(Math.Max(0, _recent.Count - count))];
        }
    }
}
