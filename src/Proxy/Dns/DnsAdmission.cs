using System.Collections.Concurrent;
using System.Net;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// Bounds the DNS queries in flight, in total and per client address, so neither
/// a flood from one pod nor a dead server can grow the proxy's memory: a query
/// past either bound is answered SERVFAIL at once. A client's entry exists only
/// while it has a query in flight (so the map is bounded by the total).
/// </summary>
internal sealed class DnsAdmission(int maxTotal, int maxPerClient)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private int _total;
    private long _rejected;

    /// <summary>Queries refused for being over a bound.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Queries in flight.</summary>
    public int InFlight => Volatile.Read(ref _total);

    /// <summary>Takes a slot for <paramref name="client"/>; false (nothing taken) when over a bound.</summary>
    public bool TryEnter(IPAddress client)
    {
        if (Interlocked.Increment(ref _total) > maxTotal)
        {
            Interlocked.Decrement(ref _total);
            Interlocked.Increment(ref _rejected);
            return false;
        }
        var count = _perClient.AddOrUpdate(client, 1, static (_, n) => n + 1);
        if (count > maxPerClient)
        {
            Leave(client);
            Interlocked.Increment(ref _rejected);
            return false;
        }
        return true;
    }

    /// <summary>Returns the slot taken by <see cref="TryEnter"/>.</summary>
    public void Leave(IPAddress client)
    {
        while (_perClient.TryGetValue(client, out var n))
        {
            if (n <= 1 ? _perClient.TryRemove(KeyValuePair.Create(client, n)) : _perClient.TryUpdate(client, n - 1, n))
            {
                break;
            }
        }
        Interlocked.Decrement(ref _total);
    }
}
