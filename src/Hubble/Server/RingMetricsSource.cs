using CiliumL7.Hubble.Metrics;
using CiliumL7.Hubble.Ring;

namespace CiliumL7.Hubble.Server;

/// <summary>Ring statistics as metrics: lost events, flows seen, ring fill.</summary>
internal sealed class RingMetricsSource : IMetricsSource
{
    private readonly FlowRing _ring;

    public RingMetricsSource(FlowRing ring) => _ring = ring;

    public void Collect(MetricsWriter writer)
    {
        writer.WriteHeader("hubble_lost_events_total", "Number of lost events", "counter");
        writer.WriteSample("hubble_lost_events_total", ["source"], ["HUBBLE_RING_BUFFER"], _ring.LostEvents);
        writer.WriteSingle("hubble_flows_seen_total", "Flows published into the Hubble ring", "counter", _ring.SeenFlows);
        writer.WriteSingle("hubble_flows_ring_size", "Flows currently held in the Hubble ring", "gauge", _ring.Count);
        writer.WriteSingle("hubble_flows_ring_capacity", "Capacity of the Hubble ring", "gauge", _ring.Capacity);
    }
}
