using CiliumL7.Hubble.Metrics;
using CiliumL7.Hubble.Ring;

namespace CiliumL7.Hubble.Server;

/// <summary>Ring statistics as metrics: lost events, flows seen, ring fill.</summary>
internal sealed class RingMetricsSource : IMetricsSource
{
    private readonly FlowRing _ring;
    private readonly Lock _gate = new();
    private volatile (string Source, Func<long> Count)[] _lostSources = [];

    public RingMetricsSource(FlowRing ring) => _ring = ring;

    /// <summary>Sum of the registered sources named <paramref name="source"/>.</summary>
    public long LostEvents(string source)
    {
        var total = 0L;
        foreach (var (name, count) in _lostSources)
        {
            if (name == source)
            {
                total += count();
            }
        }
        return total;
    }

    /// <summary>Adds a <c>hubble_lost_events_total{source=…}</c> sample read at scrape time.</summary>
    public void AddLostEvents(string source, Func<long> count)
    {
        lock (_gate)
        {
            _lostSources = [.. _lostSources, (source, count)];
        }
    }

    public void Collect(MetricsWriter writer)
    {
        writer.WriteHeader("hubble_lost_events_total", "Number of lost events", "counter");
        writer.WriteSample("hubble_lost_events_total", ["source"], ["HUBBLE_RING_BUFFER"], _ring.LostEvents);
        foreach (var (source, count) in _lostSources)
        {
            writer.WriteSample("hubble_lost_events_total", ["source"], [source], count());
        }
        writer.WriteSingle("hubble_flows_seen_total", "Flows published into the Hubble ring", "counter", _ring.SeenFlows);
        writer.WriteSingle("hubble_flows_ring_size", "Flows currently held in the Hubble ring", "gauge", _ring.Count);
        writer.WriteSingle("hubble_flows_ring_capacity", "Capacity of the Hubble ring", "gauge", _ring.Capacity);
    }
}
