using System.Diagnostics;
using System.Threading.Channels;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Logging;
using CiliumL7.Agent.Observability;
using CiliumL7.Agent.Policies;
using CiliumL7.Client.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Regeneration;

/// <summary>
/// Re-resolves policy after every endpoint, identity or policy change
/// (debounced), then writes each endpoint's policy map in one step and hands
/// the proxy the new snapshot.
/// <code>
///  change ─► Trigger() ─► [debounce, leading edge] ─► engine.Compute ─► datapath.ApplyPolicy (per endpoint)
///                                                     └─► proxy.Update(snapshot, redirects)
/// </code>
/// </summary>
internal sealed class PolicyRegenerator : BackgroundService
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Shortest time between two background resolutions asked for only by the incremental
    /// FQDN path (they converge the state; the answers were already released), so that a
    /// burst of new names does not keep the maps busy with whole-map writes the next
    /// answers would wait behind.
    /// </summary>
    private static readonly TimeSpan ConsistencyInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly EndpointManager _endpoints;
    private readonly PolicyStore _policies;
    private readonly INodeDatapath _datapath;
    private readonly IPolicyEngine _engine;
    private readonly IProxyIntegration _proxy;
    private readonly ILogger _logger;
    private readonly PolicyCookieNames _cookies;
    private readonly Lock _apply = new();
    private readonly List<(long Sequence, FqdnLearnedAddress Address)> _overlay = [];
    private Func<Policy.Api.FqdnSelector, IReadOnlyList<string>, bool>? _selects;
    private long _generation;
    private long _applied;
    private int _fullPending;
    private long _lastChangedRun;

    public PolicyRegenerator(EndpointManager endpoints, PolicyStore policies, INodeDatapath datapath, IPolicyEngine engine, IProxyIntegration proxy, PolicyCookieNames cookies, ILogger<PolicyRegenerator> logger)
    {
        _cookies = cookies;
        _endpoints = endpoints;
        _policies = policies;
        _datapath = datapath;
        _engine = engine;
        _proxy = proxy;
        _logger = logger;
    }

    /// <summary>Number of regenerations applied so far.</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>The FQDN cache's learn sequence (read before a resolution; entries added incrementally after it are kept); set by the agent.</summary>
    public Func<long>? FqdnSequence { get; set; }

    /// <summary>Asks for a regeneration; cheap and safe from any thread.</summary>
    public void Trigger()
    {
        Interlocked.Exchange(ref _fullPending, 1);
        Interlocked.Increment(ref _generation);
        _signal.Writer.TryWrite(true);
    }

    /// <summary>Asks for a regeneration that writes only the endpoints whose state changed (after an incremental FQDN update).</summary>
    public void TriggerChanged()
    {
        Interlocked.Increment(ref _generation);
        _signal.Writer.TryWrite(true);
    }

    /// <summary>
    /// The incremental FQDN path: writes the ipcache rows of <paramref name="learned"/> and the
    /// entries the <c>toFQDNs</c> selectors matching their names add (computed from the last
    /// resolution), without resolving again, then asks for a background regeneration for
    /// consistency. Returns false, writing nothing, when only a full resolution is exact
    /// (the caller then runs <see cref="RegenerateChanged"/> before releasing the answer).
    /// Throws when the datapath refuses a write (the answer must then not be released).
    /// </summary>
    /// <param name="learned">The addresses learned.</param>
    /// <param name="sequence">The FQDN cache's learn sequence after they were recorded.</param>
    /// <param name="selects">Whether a <c>toFQDNs</c> selector matches one of the names.</param>
    public bool TryPlumb(IReadOnlyList<FqdnLearnedAddress> learned, long sequence, Func<Policy.Api.FqdnSelector, IReadOnlyList<string>, bool> selects)
    {
        lock (_apply)
        {
            if (LastComputation is not { } computation || FqdnIncrementalPlan.Create(computation, learned, selects) is not { } plan)
            {
                return false;
            }
            // :: ipcache first, then the entries that name the identities.
            _selects = selects;
            foreach (var l in learned)
            {
                _overlay.Add((sequence, l));
                _datapath.AddCidrIdentity(l.Prefix, l.Identity);
            }
            foreach (var (endpointId, entries) in plan)
            {
                _datapath.AddPolicyEntries(endpointId, entries);
            }
        }
        TriggerChanged();
        return true;
    }

    /// <summary>Runs one regeneration now, on the caller's thread; the store learns the revision applied (or why it failed).</summary>
    public void RegenerateNow()
    {
        lock (_signal)
        {
            var revision = _policies.Revision;
            var endpoints = _endpoints.List();
            try
            {
                Regenerate(revision, endpoints);
            }
            catch (Exception e)
            {
                _policies.MarkApplyFailed(revision, e.Message);
                throw;
            }
        }
    }

    /// <summary>
    /// Runs one regeneration now and writes only the endpoints whose map state
    /// differs from what was last applied (the FQDN learner's path: a DNS answer
    /// is held until this returns, so it skips the debounce and identity persistence).
    /// </summary>
    /// <returns>True when every endpoint's write succeeded.</returns>
    public bool RegenerateChanged()
    {
        lock (_signal)
        {
            var revision = _policies.Revision;
            var endpoints = _endpoints.List();
            try
            {
                return Regenerate(revision, endpoints, onlyChanged: true) == 0;
            }
            catch (Exception e)
            {
                _policies.MarkApplyFailed(revision, e.Message);
                throw;
            }
        }
    }

    /// <summary>Runs one regeneration; returns how many endpoints' policy writes failed.</summary>
    private int Regenerate(long revision, IReadOnlyList<EndpointModel> endpoints, bool onlyChanged = false)
    {
        var failed = 0;
        // :: Step 1: resolve (pure; a failure leaves the previous state in force). Entries the
        // incremental FQDN path adds after this sequence are not in it and are carried over.
        var sequence = FqdnSequence?.Invoke() ?? long.MaxValue;
        var started = Stopwatch.GetTimestamp();
        var computation = _engine.Compute(_policies.All(), endpoints);
        var resolved = Stopwatch.GetTimestamp();

        // :: Step 2: identities the policies need (CIDRs) into the ipcache, before any entry names them.
        lock (_apply)
        {
            _datapath.SyncIpcache(WithOverlay(computation.CidrIdentities, sequence));
        }
        if (!onlyChanged)
        {
            _endpoints.PersistIdentities();
        }

        // :: Step 3: the proxy gets the new policy and opens new listeners before packets are redirected there.
        var ipcached = Stopwatch.GetTimestamp();
        _proxy.Prepare(computation, endpoints);
        var prepared = Stopwatch.GetTimestamp();

        // :: Step 4: each endpoint's policy map, flipped in one step (the cookies' policy names recorded first, for Hubble).
        _cookies.Update(computation);
        var flags = new Dictionary<int, (bool, bool)>();
        var entries = 0;
        lock (_apply)
        {
        // Addresses learned incrementally after the resolution read the FQDN cache, planned again on the new state.
        var later = _overlay.Where(o => o.Sequence > sequence).Select(o => o.Address).ToList();
        var overlay = later.Count > 0 && _selects is not null ? FqdnIncrementalPlan.Create(computation, later, _selects) ?? [] : [];
        foreach (var endpoint in endpoints)
        {
            var state = computation.Endpoints.TryGetValue(endpoint.Id, out var s) ? s : EndpointMapState.Empty(endpoint.Id);
            state = WithOverlay(state, overlay);
            // What the map holds already (the last whole write plus the entries the incremental
            // FQDN path added since): when the resolution arrives at the same, nothing is rewritten —
            // a whole-map write holds the incremental path, and so the DNS answers, behind it.
            if (onlyChanged && _datapath.ReadPolicy(endpoint.Id) is { } inMap && inMap.SameMapStateInAnyOrder(state))
            {
                flags[endpoint.Id] = (state.IngressEnforced, state.EgressEnforced);
                entries += state.Entries.Count;
                continue;
            }
            try
            {
                _datapath.ApplyPolicy(state, (uint)revision);
            }
            catch (Exception e)
            {
                Log.DatapathFailed(_logger, $"apply policy of endpoint {endpoint.Id}", e);
                failed++;
                continue;
            }
            flags[endpoint.Id] = (state.IngressEnforced, state.EgressEnforced);
            entries += state.Entries.Count;
        }
        // What the resolution included is no longer an overlay; what came later stays for the next one.
        _overlay.RemoveAll(o => o.Sequence <= sequence);
        LastComputation = computation;
        }
        _endpoints.SetEnforcement(flags);

        // :: Step 5: listeners no entry points at any more are closed.
        var redirects = _proxy.Finish(computation);
        _policies.MarkApplied(revision);
        Interlocked.Increment(ref _applied);
        var done = Stopwatch.GetTimestamp();
        Log.Regenerated(_logger, revision, endpoints.Count, entries, redirects, Ms(started, done), Ms(started, resolved), Ms(resolved, ipcached), Ms(ipcached, prepared), Ms(prepared, done));
        return failed;
    }

    /// <summary>The state plus the entries the incremental plan adds (a resolved entry with the same key wins).</summary>
    private static EndpointMapState WithOverlay(EndpointMapState state, Dictionary<int, List<PolicyMapEntrySpec>> overlay) =>
        overlay.TryGetValue(state.EndpointId, out var added) ? state.WithAdded(added) : state;

    private IReadOnlyDictionary<System.Net.IPNetwork, uint> WithOverlay(IReadOnlyDictionary<System.Net.IPNetwork, uint> cidrs, long sequence)
    {
        Dictionary<System.Net.IPNetwork, uint>? merged = null;
        foreach (var (seq, address) in _overlay)
        {
            if (seq > sequence && !cidrs.ContainsKey(address.Prefix))
            {
                merged ??= new Dictionary<System.Net.IPNetwork, uint>(cidrs);
                merged[address.Prefix] = address.Identity;
            }
        }
        return merged ?? cidrs;
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    /// <summary>The last computation applied (for the proxy's peer resolver and status).</summary>
    public PolicyComputation? LastComputation { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Trigger();
        var lastRun = long.MinValue / 2;
        while (await _signal.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            // Leading edge: a change after a quiet period (no run in the last Debounce) is applied at
            // once — a policy import is in force without waiting; changes while a run was recent
            // are gathered for the rest of the window and applied together.
            var quiet = Environment.TickCount64 - lastRun;
            if (quiet < (long)Debounce.TotalMilliseconds)
            {
                await Task.Delay(TimeSpan.FromMilliseconds((long)Debounce.TotalMilliseconds - quiet), stoppingToken).ConfigureAwait(false);
            }
            while (Volatile.Read(ref _fullPending) == 0 && Environment.TickCount64 - _lastChangedRun < (long)ConsistencyInterval.TotalMilliseconds)
            {
                await Task.Delay(Debounce, stoppingToken).ConfigureAwait(false);
            }
            _signal.Reader.TryRead(out _);
            try
            {
                if (Interlocked.Exchange(ref _fullPending, 0) == 1)
                {
                    RegenerateNow();
                }
                else
                {
                    _lastChangedRun = Environment.TickCount64;
                    RegenerateChanged();
                }
            }
            catch (Exception e)
            {
                Log.RegenerationFailed(_logger, e);
            }
            lastRun = Environment.TickCount64;
        }
    }
}
