namespace CiliumL7.Hubble.Metrics;

/// <summary>A counter metric with labels.</summary>
public sealed class CounterFamily : MetricFamily<Counter>
{
    internal CounterFamily(string name, string help, string[] labelNames)
        : base(name, help, labelNames)
    {
    }

    private protected override string TypeName => "counter";

    private protected override Counter CreateChild() => new();

    private protected override void WriteChild(MetricsWriter writer, string[] labelNames, string[] labelValues, Counter child)
        => writer.WriteSample(Name, labelNames, labelValues, child.Value);
}
