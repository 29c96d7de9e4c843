namespace CiliumL7.Policy.Generation;

/// <summary>What one workload exchanged with one peer in one direction: ports, counts, L7.</summary>
internal sealed class PeerTraffic(ObservedPeer peer)
{
    public ObservedPeer Peer { get; } = peer;

    /// <summary>The DNS names (toFQDNs) this world peer stands for; empty: select by CIDR.</summary>
    public SortedSet<string> FqdnNames { get; } = new(StringComparer.Ordinal);

    /// <summary>For a toFQDNs peer: every address reached under those names.</summary>
    public HashSet<System.Net.IPAddress> Addresses { get; } = [];

    public SortedDictionary<(byte Protocol, ushort Port), PortTraffic> Ports { get; } = [];

    public int Flows { get; set; }

    public DateTimeOffset First { get; set; } = DateTimeOffset.MaxValue;

    public DateTimeOffset Last { get; set; } = DateTimeOffset.MinValue;

    public PortTraffic Port(byte protocol, ushort port)
    {
        if (!Ports.TryGetValue((protocol, port), out var p))
        {
            Ports[(protocol, port)] = p = new PortTraffic();
        }
        return p;
    }

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
