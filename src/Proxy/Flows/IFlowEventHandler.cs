namespace CiliumL7.Proxy.Flows;

/// <summary>What a <see cref="BackgroundFlowSink"/>'s consumer thread does with each event (in publish order).</summary>
public interface IFlowEventHandler
{
    /// <summary>Handles one event on the consumer thread. An exception is counted and the next event handled.</summary>
    void OnFlow(in L7FlowEvent flow);
}
