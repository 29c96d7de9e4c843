using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Server;

/// <summary>Where flow producers (proxy, datapath event reader) hand their flows.</summary>
public interface IFlowPublisher
{
    /// <summary>
    /// Publishes a flow. The publisher owns it from now on: do not mutate it
    /// afterwards. Empty time, uuid and node_name are stamped here.
    /// </summary>
    void Publish(Flow flow);
}
