using CiliumL7.Hubble.Api;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Relay;

/// <summary>The relay's own GetFlows responses: node status changes (relay.NodeStatusEvent).</summary>
internal static class RelayEvents
{
    public static GetFlowsResponse NodeStatus(NodeState state, IEnumerable<string> nodes, string message)
    {
        var status = new NodeStatusEvent { StateChange = state, Message = message };
        status.NodeNames.AddRange(nodes);
        return new GetFlowsResponse { NodeStatus = status, Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
    }

    public static GetFlowsResponse NodeStatus(NodeState state, string node, string message) => NodeStatus(state, [node], message);
}
