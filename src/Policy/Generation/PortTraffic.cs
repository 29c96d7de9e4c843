namespace CiliumL7.Policy.Generation;

/// <summary>The L7 requests seen on one port of one peer.</summary>
internal sealed class PortTraffic
{
    /// <summary>(method, generalised path regex) → what was seen.</summary>
    public SortedDictionary<(string Method, string Path), HttpRuleTraffic> Http { get; } = [];

    /// <summary>DNS query names → count.</summary>
    public SortedDictionary<string, int> DnsNames { get; } = new(StringComparer.Ordinal);
}
