namespace CiliumL7.Hubble.Metrics;

/// <summary>
/// The node's metrics: labeled families created here plus
/// <see cref="IMetricsSource"/> callbacks, rendered in Prometheus text format
/// by <see cref="MetricsEndpoint"/>. Thread-safe.
/// </summary>
public sealed class MetricsRegistry
{
    private readonly Lock _lock = new();
    private readonly List<object> _families = [];
    private readonly List<IMetricsSource> _sources = [];

    /// <summary>Creates and registers a counter family.</summary>
    public CounterFamily Counter(string name, string help, params string[] labelNames)
        => Register(new CounterFamily(name, help, labelNames));

    /// <summary>Creates and registers a gauge family.</summary>
    public GaugeFamily Gauge(string name, string help, params string[] labelNames)
        => Register(new GaugeFamily(name, help, labelNames));

    /// <summary>Creates and registers a histogram family (null buckets: <see cref="HistogramFamily.DefaultBuckets"/>).</summary>
    public HistogramFamily Histogram(string name, string help, double[]? buckets, params string[] labelNames)
        => Register(new HistogramFamily(name, help, buckets ?? HistogramFamily.DefaultBuckets, labelNames));

    /// <summary>Adds a callback source written after the families on every scrape.</summary>
    public void AddSource(IMetricsSource source)
    {
        lock (_lock)
        {
            _sources.Add(source);
        }
    }

    /// <summary>Writes every family and source in text exposition format.</summary>
    public void WriteTo(TextWriter output)
    {
        object[] families;
        IMetricsSource[] sources;
        lock (_lock)
        {
            families = [.. _families];
            sources = [.. _sources];
        }
        var writer = new MetricsWriter(output);
        foreach (var family in families)
        {
            switch (family)
            {
                case CounterFamily c: c.Write(writer); break;
                case GaugeFamily g: g.Write(writer); break;
                case HistogramFamily h: h.Write(writer); break;
            }
        }
        foreach (var source in sources)
        {
            source.Collect(writer);
        }
    }

    /// <summary>The whole exposition as a string.</summary>
    public string Render()
    {
        using var sw = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        WriteTo(sw);
        return sw.ToString();
    }

    private T Register<T>(T family)
        where T : class
    {
        lock (_lock)
        {
            _families.Add(family);
        }
        return family;
    }
}
