using System.Net;

namespace CiliumL7.Agent.Fqdn;

/// <summary>
/// What DNS answers taught each endpoint: endpoint → name → address → expiry,
/// plus the node-wide (name, address) associations <c>toFQDNs</c> selects from.
/// Bounded: at most <see cref="FqdnOptions.MaxNamesPerEndpoint"/> names per
/// endpoint and <see cref="FqdnOptions.MaxIpsPerHostname"/> addresses per name;
/// beyond that the entry that expires soonest is evicted. Not thread-safe: the
/// <see cref="FqdnManager"/> serializes access.
/// </summary>
internal sealed class FqdnCache(FqdnOptions options)
{
    private readonly Dictionary<uint, Dictionary<string, Dictionary<IPAddress, FqdnIpEntry>>> _endpoints = [];
    private readonly Dictionary<string, Dictionary<IPAddress, int>> _associations = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, int> _addressRefs = [];

    /// <summary>Node-wide: name → addresses some endpoint learned for it (what selectors match against).</summary>
    public IReadOnlyDictionary<string, Dictionary<IPAddress, int>> Associations => _associations;

    /// <summary>True while some endpoint's entry holds <paramref name="address"/>.</summary>
    public bool IsReferenced(IPAddress address) => _addressRefs.ContainsKey(address);

    /// <summary>Number of (endpoint, name, address) entries.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Records that <paramref name="names"/> resolved to <paramref name="addresses"/> for
    /// <paramref name="endpointId"/>. Returns true when a (name, address) association is new
    /// node-wide (policy may select more). Addresses no entry holds any more (evicted) go to
    /// <paramref name="orphaned"/>.
    /// </summary>
    public bool Learn(uint endpointId, IReadOnlyList<string> names, IReadOnlyList<(IPAddress Address, uint TtlSeconds)> addresses, DateTimeOffset now, List<IPAddress> orphaned)
    {
        if (!_endpoints.TryGetValue(endpointId, out var byName))
        {
            _endpoints[endpointId] = byName = new Dictionary<string, Dictionary<IPAddress, FqdnIpEntry>>(StringComparer.Ordinal);
        }
        var changed = false;
        foreach (var name in names)
        {
            var count = Math.Min(addresses.Count, options.MaxIpsPerHostname);
            for (var i = 0; i < count; i++)
            {
                var (address, ttl) = addresses[i];
                var lifetime = TimeSpan.FromSeconds(ttl) > options.MinTtl ? TimeSpan.FromSeconds(ttl) : options.MinTtl;
                changed |= Put(endpointId, byName, name, address, new FqdnIpEntry(ttl, now + lifetime, now), orphaned);
            }
        }
        return changed;
    }

    /// <summary>Puts back a persisted entry (restart). Returns true when the association is new.</summary>
    public bool Restore(uint endpointId, string name, IPAddress address, FqdnIpEntry entry, List<IPAddress> orphaned)
    {
        if (!_endpoints.TryGetValue(endpointId, out var byName))
        {
            _endpoints[endpointId] = byName = new Dictionary<string, Dictionary<IPAddress, FqdnIpEntry>>(StringComparer.Ordinal);
        }
        return Put(endpointId, byName, name, address, entry, orphaned);
    }

    /// <summary>Drops entries whose expiry is at or before <paramref name="now"/>; true when an association vanished.</summary>
    public bool Expire(DateTimeOffset now, List<IPAddress> orphaned) =>
        RemoveWhere((_, _, _, entry) => entry.Expires <= now, orphaned);

    /// <summary>Drops the entries <paramref name="predicate"/> (endpoint, name, address, entry) selects; true when an association vanished.</summary>
    public bool RemoveWhere(Func<uint, string, IPAddress, FqdnIpEntry, bool> predicate, List<IPAddress> orphaned)
    {
        var doomed = new List<(uint, string, IPAddress)>();
        foreach (var (endpointId, byName) in _endpoints)
        {
            foreach (var (name, ips) in byName)
            {
                foreach (var (address, entry) in ips)
                {
                    if (predicate(endpointId, name, address, entry))
                    {
                        doomed.Add((endpointId, name, address));
                    }
                }
            }
        }
        var changed = false;
        foreach (var (endpointId, name, address) in doomed)
        {
            changed |= Remove(endpointId, name, address, orphaned);
        }
        foreach (var (endpointId, _, _) in doomed)
        {
            if (_endpoints.TryGetValue(endpointId, out var byName) && byName.Count == 0)
            {
                _endpoints.Remove(endpointId);
            }
        }
        return changed;
    }

    /// <summary>Every entry: endpoint, name, address, entry.</summary>
    public List<(uint EndpointId, string Name, IPAddress Address, FqdnIpEntry Entry)> Entries()
    {
        var list = new List<(uint, string, IPAddress, FqdnIpEntry)>(Count);
        foreach (var (endpointId, byName) in _endpoints)
        {
            foreach (var (name, ips) in byName)
            {
                foreach (var (address, entry) in ips)
                {
                    list.Add((endpointId, name, address, entry));
                }
            }
        }
        return list;
    }

    private bool Put(uint endpointId, Dictionary<string, Dictionary<IPAddress, FqdnIpEntry>> byName, string name, IPAddress address, FqdnIpEntry entry, List<IPAddress> orphaned)
    {
        if (!byName.TryGetValue(name, out var ips))
        {
            if (byName.Count >= options.MaxNamesPerEndpoint)
            {
                EvictSoonestName(endpointId, byName, orphaned);
            }
            byName[name] = ips = [];
        }
        if (ips.TryGetValue(address, out var old))
        {
            ips[address] = new FqdnIpEntry(entry.TtlSeconds, old.Expires > entry.Expires ? old.Expires : entry.Expires, old.LearnedAt);
            return false;
        }
        if (ips.Count >= options.MaxIpsPerHostname)
        {
            var soonest = ips.MinBy(kv => kv.Value.Expires).Key;
            Remove(endpointId, name, soonest, orphaned);
            byName[name] = ips; // Remove drops a name whose last address went
        }
        ips[address] = entry;
        Count++;
        _addressRefs[address] = _addressRefs.GetValueOrDefault(address) + 1;
        if (!_associations.TryGetValue(name, out var refs))
        {
            _associations[name] = refs = [];
        }
        var n = refs.GetValueOrDefault(address);
        refs[address] = n + 1;
        return n == 0;
    }

    private void EvictSoonestName(uint endpointId, Dictionary<string, Dictionary<IPAddress, FqdnIpEntry>> byName, List<IPAddress> orphaned)
    {
        string? victim = null;
        var latest = DateTimeOffset.MaxValue;
        foreach (var (name, ips) in byName)
        {
            var expires = ips.Count == 0 ? DateTimeOffset.MinValue : ips.Values.Max(e => e.Expires);
            if (victim is null || expires < latest)
            {
                victim = name;
                latest = expires;
            }
        }
        if (victim is not null)
        {
            foreach (var address in byName[victim].Keys.ToList())
            {
                Remove(endpointId, victim, address, orphaned);
            }
            byName.Remove(victim);
        }
    }

    private bool Remove(uint endpointId, string name, IPAddress address, List<IPAddress> orphaned)
    {
        if (!_endpoints.TryGetValue(endpointId, out var byName) || !byName.TryGetValue(name, out var ips) || !ips.Remove(address))
        {
            return false;
        }
        Count--;
        if (ips.Count == 0)
        {
            byName.Remove(name);
        }
        if (--_addressRefs[address] == 0)
        {
            _addressRefs.Remove(address);
            orphaned.Add(address);
        }
        var refs = _associations[name];
        if (--refs[address] > 0)
        {
            return false;
        }
        refs.Remove(address);
        if (refs.Count == 0)
        {
            _associations.Remove(name);
        }
        return true;
    }
}
