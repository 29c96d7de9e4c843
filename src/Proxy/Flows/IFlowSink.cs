namespace CiliumL7.Proxy.Flows;

/// <summary>
/// Where the proxy sends its flow events: the one entry point every request path
/// calls (request flow, then response flow). Called on the request thread: must be
/// thread-safe, must not block and should not allocate (see <see cref="BackgroundFlowSink"/>).
/// </summary>
public interface IFlowSink
{
    /// <summary>Takes one event.</summary>
    void Publish(in L7FlowEvent flow);
}
