using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Agent.State;
using CiliumL7.Client.Models;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.L7;
using CiliumL7.Policy.Resolution;
using CiliumL7.Proxy.Dns;

namespace CiliumL7.Agent.Fqdn;

/// <summary>
/// toFQDNs in the agent: learns from allowed DNS answers, gives every learned
/// address a local CIDR identity, answers which identities a selector stands
/// for, and expires, persists and restores what it learned.
/// <code>
///  DNS proxy ─LearnAsync─► cache (caps) ─new (name, IP)?─► identity IP/32 ─► incremental: ipcache row + the
///                                                          entries of the matching toFQDNs selectors ─► answer released
///                                                          (not exact that way: resolve the changed endpoints first)
///  collector (1 s): expiry ─► zombies while conntrack shows a live connection ─► release identity
/// </code>
/// Thread-safe: one lock guards the cache, identities and zombies; the
/// regeneration runs outside it.
/// </summary>
internal sealed class FqdnManager : IFqdnLearner, IFqdnIdentities
{
    private const int MaxCnames = 16;
    private const int MaxCompiledSelectors = 4096;

    private readonly Lock _gate = new();
    private readonly FqdnOptions _options;
    private readonly FqdnCache _cache;
    private readonly IIdentityAllocator _identities;
    private readonly TimeProvider _time;
    private readonly string? _statePath;
    private readonly Dictionary<IPAddress, uint> _addressIdentity = [];
    private readonly HashSet<IPAddress> _ownedIdentity = [];
    private readonly Dictionary<IPAddress, DateTimeOffset> _zombies = [];
    private readonly ConcurrentDictionary<FqdnSelector, DnsRule> _selectors = new();
    private int _dirty;

    public FqdnManager(FqdnOptions options, IIdentityAllocator identities, string? statePath, TimeProvider? time = null)
    {
        _options = options;
        _cache = new FqdnCache(options);
        _identities = identities;
        _statePath = statePath;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Writes the endpoints whose policy changed (ipcache first) and returns true when
    /// every write succeeded; set by the agent to the regenerator.
    /// </summary>
    public Func<bool>? Regenerate { get; set; }

    /// <summary>
    /// The incremental path: writes the ipcache rows of the learned addresses and the
    /// entries the matching <c>toFQDNs</c> selectors add; false when only a full
    /// resolution is exact; throws when a write failed. Set by the agent to the regenerator.
    /// </summary>
    public Func<IReadOnlyList<FqdnLearnedAddress>, long, bool>? PlumbIncrementally { get; set; }

    /// <summary>Addresses with a live connection (the datapath's conntrack); set by the agent.</summary>
    public Func<TimeSpan, IReadOnlySet<IPAddress>>? ConnectionPeers { get; set; }

    /// <summary>Persists the identity allocator (so learned addresses keep their numbers across a restart); set by the agent.</summary>
    public Action? PersistIdentities { get; set; }

    /// <summary>The endpoints that exist; entries of others are dropped by <see cref="Collect"/>.</summary>
    public Func<IReadOnlyCollection<uint>>? LiveEndpoints { get; set; }

    /// <summary>How long answers that needed a datapath write were held.</summary>
    public HoldTimes HoldTimes { get; } = new();

    /// <summary>Answers learned (for status).</summary>
    public long Learned => Interlocked.Read(ref _learned);

    /// <summary>Answers plumbed by the incremental path (for status).</summary>
    public long PlumbedIncrementally => Interlocked.Read(ref _incremental);

    /// <summary>Answers whose plumbing failed (the pod got SERVFAIL; for status).</summary>
    public long PlumbFailed => Interlocked.Read(ref _failed);

    /// <summary>Increases with every observation that taught something new (under the lock, after the cache changed).</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    private long _learned;
    private long _incremental;
    private long _failed;
    private long _sequence;
    private readonly Dictionary<IPAddress, Task> _inFlight = [];

    /// <inheritdoc />
    /// <remarks>
    /// Completes once the ipcache row and every policy-map entry the answer unlocks are
    /// written: incrementally when the last resolution allows it (microseconds), else
    /// after a resolution of the endpoints whose state changed. A repeated answer whose
    /// addresses are still being plumbed for an earlier one waits for that. Faults when
    /// a write failed: the proxy then answers SERVFAIL, never the racing answer.
    /// </remarks>
    public ValueTask LearnAsync(FqdnObservation observation, CancellationToken cancellationToken)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        TaskCompletionSource done;
        List<FqdnLearnedAddress> learned;
        long sequence;
        try
        {
            if (!LearnCore(observation, out learned, out sequence))
            {
                return PendingFor(observation); // nothing new: at once, or when an earlier answer's plumbing ends
            }
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                foreach (var l in learned)
                {
                    _inFlight[l.Address] = done.Task;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ValueTask.FromException(e);
        }

        // :: Step 1: incremental (the selectors matching the names → entries), on this thread.
        try
        {
            if (PlumbIncrementally?.Invoke(learned, sequence) == true)
            {
                Interlocked.Increment(ref _incremental);
                Finish(learned, done, start, null);
                return ValueTask.CompletedTask;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // a refused write: the full resolution below decides (it writes whole maps)
            _ = e;
        }

        // :: Step 2: the full resolution of the changed endpoints, off the DNS path's thread.
        _ = Task.Run(() =>
        {
            Exception? error = null;
            try
            {
                if (Regenerate is { } regenerate && !regenerate())
                {
                    error = new InvalidOperationException("the datapath refused a policy map write for a learned address");
                }
            }
            catch (Exception e)
            {
                error = e;
            }
            Finish(learned, done, start, error);
        }, CancellationToken.None);
        return new ValueTask(done.Task.WaitAsync(cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>False when every address already has its identity, is referenced by the cache and is
    /// not a zombie or being plumbed: then <see cref="LearnAsync"/> only refreshes the cache.</remarks>
    public bool MayWrite(FqdnObservation observation)
    {
        lock (_gate)
        {
            foreach (var (address, _) in observation.Addresses)
            {
                var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
                if (!_addressIdentity.ContainsKey(a) || !_cache.IsReferenced(a) || _zombies.ContainsKey(a) || _inFlight.ContainsKey(a))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private ValueTask PendingFor(FqdnObservation observation)
    {
        List<Task>? pending = null;
        lock (_gate)
        {
            foreach (var (address, _) in observation.Addresses)
            {
                var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
                if (_inFlight.TryGetValue(a, out var task) && !task.IsCompleted && !(pending ??= []).Contains(task))
                {
                    pending.Add(task);
                }
            }
        }
        return pending is null ? ValueTask.CompletedTask : new ValueTask(Task.WhenAll(pending));
    }

    private void Finish(List<FqdnLearnedAddress> learned, TaskCompletionSource done, long start, Exception? error)
    {
        lock (_gate)
        {
            foreach (var l in learned)
            {
                if (_inFlight.TryGetValue(l.Address, out var task) && task == done.Task)
                {
                    _inFlight.Remove(l.Address);
                }
            }
        }
        HoldTimes.Record(start);
        if (error is null)
        {
            done.TrySetResult();
            return;
        }
        Interlocked.Increment(ref _failed);
        done.TrySetException(error);
    }

    /// <summary>True when <paramref name="selector"/> matches one of <paramref name="names"/> (the DNS rule pattern semantics).</summary>
    public bool Selects(FqdnSelector selector, IReadOnlyList<string> names)
    {
        var rule = Compiled(selector);
        foreach (var name in names)
        {
            if (rule.Matches(name))
            {
                return true;
            }
        }
        return false;
    }

    private DnsRule Compiled(FqdnSelector selector)
    {
        if (_selectors.Count > MaxCompiledSelectors)
        {
            _selectors.Clear();
        }
        return _selectors.GetOrAdd(selector, static s => new DnsRule(s.MatchName, s.MatchPattern, "toFQDNs"));
    }

    /// <summary>Records the observation; true when policy may select more (for tests).</summary>
    internal bool LearnCore(FqdnObservation observation) => LearnCore(observation, out _, out _);

    /// <summary>Records the observation; true when policy may select more (the caller plumbs <paramref name="learned"/>).</summary>
    internal bool LearnCore(FqdnObservation observation, out List<FqdnLearnedAddress> learned, out long sequence)
    {
        learned = [];
        sequence = 0;
        ArgumentNullException.ThrowIfNull(observation);
        var names = new List<string>(1 + Math.Min(observation.Cnames.Count, MaxCnames));
        if (FqdnName.Normalize(observation.QueryName) is { } query)
        {
            names.Add(query);
        }
        for (var i = 0; i < observation.Cnames.Count && i < MaxCnames; i++)
        {
            if (FqdnName.Normalize(observation.Cnames[i]) is { } cname && !names.Contains(cname))
            {
                names.Add(cname);
            }
        }
        var addresses = new List<(IPAddress, uint)>(Math.Min(observation.Addresses.Count, _options.MaxIpsPerHostname));
        foreach (var (address, ttl) in observation.Addresses)
        {
            if (addresses.Count >= _options.MaxIpsPerHostname)
            {
                break;
            }
            var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            if (!IPAddress.Any.Equals(a) && !IPAddress.IPv6Any.Equals(a))
            {
                addresses.Add((a, ttl));
            }
        }
        if (names.Count == 0 || addresses.Count == 0)
        {
            return false;
        }
        Interlocked.Increment(ref _learned);
        var orphaned = new List<IPAddress>();
        bool changed;
        lock (_gate)
        {
            changed = _cache.Learn(observation.EndpointId, names, addresses, _time.GetUtcNow(), orphaned);
            foreach (var (address, _) in addresses)
            {
                changed |= _zombies.Remove(address) && _cache.IsReferenced(address);
                EnsureIdentity(address);
            }
            changed |= Orphan(orphaned);
            if (changed)
            {
                foreach (var (address, _) in addresses)
                {
                    learned.Add(new FqdnLearnedAddress(address, _addressIdentity[address], names));
                }
                sequence = Interlocked.Increment(ref _sequence);
            }
        }
        Interlocked.Exchange(ref _dirty, 1);
        return changed;
    }

    /// <inheritdoc />
    public uint[] Select(FqdnSelector selector)
    {
        var rule = Compiled(selector);
        var ids = new SortedSet<uint>();
        lock (_gate)
        {
            foreach (var (name, addresses) in _cache.Associations)
            {
                if (!rule.Matches(name))
                {
                    continue;
                }
                foreach (var address in addresses.Keys)
                {
                    if (_addressIdentity.TryGetValue(address, out var id))
                    {
                        ids.Add(id);
                    }
                }
            }
        }
        return [.. ids];
    }

    /// <summary>
    /// Expires entries, drops entries of deleted endpoints, releases expired
    /// addresses no live connection uses; regenerates when policy changed and
    /// persists when anything changed. Returns true when policy changed.
    /// </summary>
    public bool Collect()
    {
        var now = _time.GetUtcNow();
        var live = LiveEndpoints?.Invoke();
        var orphaned = new List<IPAddress>();
        bool changed;
        lock (_gate)
        {
            changed = _cache.Expire(now, orphaned);
            if (live is not null)
            {
                var set = live as IReadOnlySet<uint> ?? new HashSet<uint>(live);
                changed |= _cache.RemoveWhere((ep, _, _, _) => !set.Contains(ep), orphaned);
            }
            changed |= Orphan(orphaned);
        }
        var released = ReleaseDeadZombies(now);
        if (changed || released)
        {
            Interlocked.Exchange(ref _dirty, 1);
            Regenerate?.Invoke();
        }
        Persist();
        return changed || released;
    }

    /// <summary>Forgets learned names (all, one endpoint's, or those a pattern matches); returns how many entries went.</summary>
    public int Clean(uint? endpointId, string? matchPattern)
    {
        var rule = matchPattern is null ? null : new DnsRule(null, matchPattern, "clean");
        var orphaned = new List<IPAddress>();
        int before;
        lock (_gate)
        {
            before = _cache.Count;
            _cache.RemoveWhere((ep, name, _, _) => (endpointId is null || ep == endpointId) && (rule is null || rule.Matches(name)), orphaned);
            Orphan(orphaned);
        }
        Interlocked.Exchange(ref _dirty, 1);
        Regenerate?.Invoke();
        Persist();
        return before - _cache.Count;
    }

    /// <summary>Rows for <c>fqdn cache list</c>: one per (endpoint, name), then one per kept expired address.</summary>
    public List<FqdnCacheEntryModel> List()
    {
        var rows = new List<FqdnCacheEntryModel>();
        lock (_gate)
        {
            foreach (var group in _cache.Entries().GroupBy(e => (e.EndpointId, e.Name)).OrderBy(g => g.Key.EndpointId).ThenBy(g => g.Key.Name, StringComparer.Ordinal))
            {
                rows.Add(new FqdnCacheEntryModel
                {
                    EndpointId = group.Key.EndpointId,
                    Source = "lookup",
                    Fqdn = group.Key.Name,
                    Ttl = group.Max(e => e.Entry.TtlSeconds),
                    ExpirationTime = group.Max(e => e.Entry.Expires),
                    Ips = [.. group.Select(e => e.Address.ToString()).Order(StringComparer.Ordinal)],
                });
            }
            foreach (var (address, since) in _zombies.OrderBy(z => z.Key.ToString(), StringComparer.Ordinal))
            {
                rows.Add(new FqdnCacheEntryModel { EndpointId = 0, Source = "connection", Fqdn = "", Ttl = 0, ExpirationTime = since, Ips = [address.ToString()] });
            }
        }
        return rows;
    }

    /// <summary>Counts for <c>status</c>: entries, names node-wide, kept expired addresses.</summary>
    public (int Entries, int Names, int Zombies) Counts()
    {
        lock (_gate)
        {
            return (_cache.Count, _cache.Associations.Count, _zombies.Count);
        }
    }

    /// <summary>Reads <c>fqdn.json</c> (call before the first regeneration); returns the entries restored.</summary>
    public int Restore()
    {
        if (_statePath is null)
        {
            return 0;
        }
        var persisted = StateFile.Read(_statePath, AgentStateJsonContext.Default.ListPersistedFqdnEntry) ?? [];
        var now = _time.GetUtcNow();
        var restored = 0;
        var orphaned = new List<IPAddress>();
        lock (_gate)
        {
            foreach (var p in persisted)
            {
                if (!IPAddress.TryParse(p.Ip, out var address))
                {
                    continue;
                }
                if (p.OwnsIdentity)
                {
                    _ownedIdentity.Add(address);
                }
                if (p.Name.Length == 0)
                {
                    _zombies[address] = p.Expires;
                    EnsureIdentity(address);
                    continue;
                }
                if (p.Expires <= now || FqdnName.Normalize(p.Name) is not { } name)
                {
                    continue; // expired while the agent was down; a connection to it keeps working through conntrack
                }
                _cache.Restore(p.EndpointId, name, address, new FqdnIpEntry(p.TtlSeconds, p.Expires, p.LearnedAt), orphaned);
                EnsureIdentity(address);
                restored++;
            }
            Orphan(orphaned);
        }
        return restored;
    }

    /// <summary>Writes <c>fqdn.json</c> atomically when something changed since the last write.</summary>
    public void Persist()
    {
        if (_statePath is null || Interlocked.Exchange(ref _dirty, 0) == 0)
        {
            return;
        }
        var list = new List<PersistedFqdnEntry>();
        lock (_gate)
        {
            foreach (var (endpointId, name, address, entry) in _cache.Entries())
            {
                list.Add(new PersistedFqdnEntry
                {
                    EndpointId = endpointId, Name = name, Ip = address.ToString(), TtlSeconds = entry.TtlSeconds,
                    Expires = entry.Expires, LearnedAt = entry.LearnedAt, OwnsIdentity = _ownedIdentity.Contains(address),
                });
            }
            foreach (var (address, since) in _zombies)
            {
                list.Add(new PersistedFqdnEntry { EndpointId = 0, Name = "", Ip = address.ToString(), Expires = since, OwnsIdentity = _ownedIdentity.Contains(address) });
            }
        }
        try
        {
            PersistIdentities?.Invoke(); // identities first: fqdn.json never names an address whose identity is not on disk
            StateFile.Write(_statePath, list, AgentStateJsonContext.Default.ListPersistedFqdnEntry);
        }
        catch (IOException)
        {
            Interlocked.Exchange(ref _dirty, 1); // retried on the next collection
            throw;
        }
    }

    private void EnsureIdentity(IPAddress address)
    {
        if (_addressIdentity.ContainsKey(address))
        {
            return;
        }
        var prefix = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        var existed = _identities.Cidrs.ContainsKey(prefix);
        _addressIdentity[address] = _identities.GetOrAllocateCidr(prefix);
        if (!existed)
        {
            _ownedIdentity.Add(address);
        }
    }

    /// <summary>Addresses no entry holds any more become zombies (kept until their connections end); true when policy changed.</summary>
    private bool Orphan(List<IPAddress> orphaned)
    {
        foreach (var address in orphaned)
        {
            if (!_cache.IsReferenced(address))
            {
                _zombies.TryAdd(address, _time.GetUtcNow());
            }
        }
        return orphaned.Count > 0;
    }

    private bool ReleaseDeadZombies(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_zombies.Count == 0)
            {
                return false;
            }
        }
        var alive = ConnectionPeers?.Invoke(_options.LiveConnectionWindow) ?? new HashSet<IPAddress>();
        var released = false;
        lock (_gate)
        {
            var dead = new List<IPAddress>();
            foreach (var (address, _) in _zombies)
            {
                if (!alive.Contains(address))
                {
                    dead.Add(address);
                }
            }
            var excess = _zombies.Count - dead.Count - _options.MaxDeferredConnectionDeletes;
            if (excess > 0)
            {
                dead.AddRange(_zombies.Where(z => alive.Contains(z.Key)).OrderBy(z => z.Value).Take(excess).Select(z => z.Key));
            }
            foreach (var address in dead)
            {
                _zombies.Remove(address);
                if (_addressIdentity.Remove(address, out var id) && _ownedIdentity.Remove(address))
                {
                    _identities.Release(id);
                }
                released = true;
            }
        }
        _ = now;
        return released;
    }
}
