using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Metrics;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Ring;

/// <summary>
/// A flow kept in its producer's compact form and built into a <see cref="Flow"/>
/// only when someone reads it (a GetFlows stream, the exporter). Most flows in a
/// busy ring are overwritten unread, so the protobuf graph (≈25 objects) is never
/// built, allocated or promoted by the GC for them; metrics are counted from the
/// compact form on publish.
/// </summary>
/// <remarks>
/// <see cref="Build"/> may run on any thread, any number of times, and must return
/// the same content each time (uuid, time and node name are fixed on publish).
/// </remarks>
public abstract class DeferredFlow
{
    private Guid _uuid;
    private string _nodeName = string.Empty;

    /// <summary>When the flow happened.</summary>
    public abstract DateTimeOffset Time { get; }

    /// <summary>Builds a new <see cref="Flow"/> (time, uuid and node name included).</summary>
    public Flow Build()
    {
        var flow = BuildFlow();
        flow.Time ??= Timestamp.FromDateTimeOffset(Time);
        if (_uuid != Guid.Empty)
        {
            flow.Uuid = _uuid.ToString();
        }
        if (flow.NodeName.Length == 0)
        {
            flow.NodeName = _nodeName;
        }
        return flow;
    }

    /// <summary>Counts the flow in the flow metrics exactly as <see cref="FlowMetrics.Observe"/> would count the built flow.</summary>
    public abstract void Count(FlowMetrics metrics);

    /// <summary>Builds the flow's content (everything but uuid and node name).</summary>
    protected abstract Flow BuildFlow();

    internal void Stamp(Guid uuid, string nodeName)
    {
        _uuid = uuid;
        _nodeName = nodeName;
    }
}
