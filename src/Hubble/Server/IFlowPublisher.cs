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

    /// <summary>
    /// Publishes a flow that is built only when read (see <see cref="Ring.DeferredFlow"/>).
    /// The default builds it at once and publishes the result.
    /// </summary>
    void Publish(Ring.DeferredFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        Publish(flow.Build());
    }
}
