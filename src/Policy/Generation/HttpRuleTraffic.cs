namespace CiliumL7.Policy.Generation;

/// <summary>The requests one generated HTTP rule stands for.</summary>
internal sealed class HttpRuleTraffic
{
    /// <summary>Distinct paths remembered per rule (memory stays bounded).</summary>
    public const int MaxPaths = 10_000;

    public int Count { get; set; }

    public bool Numbers { get; set; }

    public bool Uuids { get; set; }

    public bool HadQuery { get; set; }

    /// <summary>Distinct observed paths without query, up to <see cref="MaxPaths"/> (sorted: output is order-independent).</summary>
    public SortedSet<string> Paths { get; } = new(StringComparer.Ordinal);
}
