using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Generation;

/// <summary>Everything one workload (one identity) received and sent.</summary>
internal sealed class WorkloadTraffic(LabelSet labels, string @namespace)
{
    public LabelSet Labels { get; } = labels;

    public string Namespace { get; } = @namespace;

    public SortedDictionary<string, PeerTraffic> Ingress { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, PeerTraffic> Egress { get; } = new(StringComparer.Ordinal);

    public int Flows { get; set; }

    public DateTimeOffset First { get; set; } = DateTimeOffset.MaxValue;

    public DateTimeOffset Last { get; set; } = DateTimeOffset.MinValue;

    public void Seen(DateTimeOffset time)
    {
        Flows++;
        if (time < First)
        {
            First = time;
        }
        if (time > Last)
        {
            Last = time;
        }
    }
}
