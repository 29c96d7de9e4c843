using System.Globalization;

namespace CiliumL7.Hubble.Metrics;

/// <summary>A histogram metric with labels (Prometheus _bucket/_sum/_count series).</summary>
public sealed class HistogramFamily : MetricFamily<Histogram>
{
    /// <summary>Prometheus client default buckets, in seconds.</summary>
    public static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly double[] _bounds;
    private readonly string[] _boundText;

    internal HistogramFamily(string name, string help, double[] bounds, string[] labelNames)
        : base(name, help, labelNames)
    {
        _bounds = bounds;
        _boundText = Array.ConvertAll(bounds, b => b.ToString("R", CultureInfo.InvariantCulture));
    }

    private protected override string TypeName => "histogram";

    private protected override Histogram CreateChild() => new(_bounds);

    private protected override void WriteChild(MetricsWriter writer, string[] labelNames, string[] labelValues, Histogram child)
    {
        var names = new string[labelNames.Length + 1];
        var values = new string[labelNames.Length + 1];
        labelNames.CopyTo(names, 0);
        labelValues.CopyTo(values, 0);
        names[^1] = "le";
        for (var i = 0; i < _bounds.Length; i++)
        {
            values[^1] = _boundText[i];
            writer.WriteSample(Name + "_bucket", names, values, child.CumulativeCount(i));
        }
        values[^1] = "+Inf";
        var count = child.Count;
        writer.WriteSample(Name + "_bucket", names, values, count);
        writer.WriteSample(Name + "_sum", labelNames, labelValues, child.Sum);
        writer.WriteSample(Name + "_count", labelNames, labelValues, count);
    }
}
