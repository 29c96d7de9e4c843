namespace CiliumL7.Hubble.Metrics;

/// <summary>A gauge metric with labels.</summary>
public sealed class GaugeFamily : MetricFamily<Gauge>
{
    internal GaugeFamily(string name, string help, string[] labelNames)
        : base(name, help, labelNames)
    {
    }

    private protected override string TypeName => "gauge";

    private protected override Gauge CreateChild() => new();

    private protected override void WriteChild(MetricsWriter writer, string[] labelNames, string[] labelValues, Gauge child)
        => writer.WriteSample(Name, labelNames, labelValues, child.Value);
}
