namespace CiliumL7.Hubble.Metrics;

/// <summary>
/// Something that writes its own metric families at scrape time (the agent's
/// endpoint/policy gauges, ring statistics). Register with
/// <see cref="MetricsRegistry.AddSource"/>.
/// </summary>
public interface IMetricsSource
{
    /// <summary>Writes current values; called on every scrape, on the scraping thread.</summary>
    void Collect(MetricsWriter writer);
}
