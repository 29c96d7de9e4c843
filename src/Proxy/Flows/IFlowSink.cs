namespace CiliumL7.Proxy.Flows;

/// <summary>Where the proxy sends its flow events. Called on the request path: must be thread-safe and must not block.</summary>
public interface IFlowSink
{
    /// <summary>Takes one event.</summary>
    void Publish(L7FlowEvent flow);
}
