using System.Collections.Concurrent;

namespace CiliumL7.Hubble.Metrics;

/// <summary>A named metric with label dimensions (at most four); children are created on first use.</summary>
/// <typeparam name="TChild">The per-label-set value holder.</typeparam>
public abstract class MetricFamily<TChild>
    where TChild : class
{
    private readonly ConcurrentDictionary<LabelKey, TChild> _children = new();
    private readonly string[] _labelNames;

    private protected MetricFamily(string name, string help, string[] labelNames)
    {
        if (labelNames.Length > 4)
        {
            throw new ArgumentException($"metric {name}: at most 4 labels are supported, got {labelNames.Length}", nameof(labelNames));
        }
        Name = name;
        Help = help;
        _labelNames = labelNames;
    }

    /// <summary>The metric name.</summary>
    public string Name { get; }

    /// <summary>The help text.</summary>
    public string Help { get; }

    /// <summary>The label names, in order.</summary>
    public IReadOnlyList<string> LabelNames => _labelNames;

    /// <summary>The child for a label-value set (pass as many values as the family has labels).</summary>
    public TChild WithLabels(string a = "", string b = "", string c = "", string d = "")
    {
        var key = new LabelKey(a, b, c, d);
        return _children.TryGetValue(key, out var child) ? child : _children.GetOrAdd(key, _ => CreateChild());
    }

    private protected abstract TChild CreateChild();

    private protected abstract void WriteChild(MetricsWriter writer, string[] labelNames, string[] labelValues, TChild child);

    private protected abstract string TypeName { get; }

    internal void Write(MetricsWriter writer)
    {
        writer.WriteHeader(Name, Help, TypeName);
        var entries = _children.ToArray();
        Array.Sort(entries, static (x, y) => CompareKeys(x.Key, y.Key));
        foreach (var (key, child) in entries)
        {
            WriteChild(writer, _labelNames, key.ToArray(_labelNames.Length), child);
        }
    }

    private static int CompareKeys(LabelKey x, LabelKey y)
    {
        var c = string.CompareOrdinal(x.A, y.A);
        if (c == 0) { c = string.CompareOrdinal(x.B, y.B); }
        if (c == 0) { c = string.CompareOrdinal(x.C, y.C); }
        if (c == 0) { c = string.CompareOrdinal(x.D, y.D); }
        return c;
    }
}
