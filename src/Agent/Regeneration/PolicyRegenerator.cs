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
///  change ─► Trigger() ─► [debounce] ─► engine.Compute ─► datapath.ApplyPolicy (per endpoint)
///                                                     └─► proxy.Update(snapshot, redirects)
/// </code>
/// </summary>
internal sealed class PolicyRegenerator : BackgroundService
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly EndpointManager _endpoints;
    private readonly PolicyStore _policies;
    private readonly INodeDatapath _datapath;
    private readonly IPolicyEngine _engine;
    private readonly IProxyIntegration _proxy;
    private readonly ILogger _logger;
    private readonly PolicyCookieNames _cookies;
    private long _generation;
    private long _applied;

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

    /// <summary>Asks for a regeneration; cheap and safe from any thread.</summary>
    public void Trigger()
    {
        Interlocked.Increment(ref _generation);
        _signal.Writer.TryWrite(true);
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
    public void RegenerateChanged()
    {
        lock (_signal)
        {
            var revision = _policies.Revision;
            var endpoints = _endpoints.List();
            try
            {
                Regenerate(revision, endpoints, onlyChanged: true);
            }
            catch (Exception e)
            {
                _policies.MarkApplyFailed(revision, e.Message);
                throw;
            }
        }
    }

    private void Regenerate(long revision, IReadOnlyList<EndpointModel> endpoints, bool onlyChanged = false)
    {
        var previous = onlyChanged ? LastComputation : null;
        // :: Step 1: resolve (pure; a failure leaves the previous state in force).
        var computation = _engine.Compute(_policies.All(), endpoints);

        // :: Step 2: identities the policies need (CIDRs) into the ipcache, before any entry names them.
        _datapath.SyncIpcache(computation.CidrIdentities);
        if (!onlyChanged)
        {
            _endpoints.PersistIdentities();
        }

        // :: Step 3: the proxy gets the new policy and opens new listeners before packets are redirected there.
        _proxy.Prepare(computation, endpoints);

        // :: Step 4: each endpoint's policy map, flipped in one step (the cookies' policy names recorded first, for Hubble).
        _cookies.Update(computation);
        var flags = new Dictionary<int, (bool, bool)>();
        var entries = 0;
        foreach (var endpoint in endpoints)
        {
            var state = computation.Endpoints.TryGetValue(endpoint.Id, out var s) ? s : EndpointMapState.Empty(endpoint.Id);
            if (previous is not null && previous.Endpoints.TryGetValue(endpoint.Id, out var before) && SameState(before, state))
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
                continue;
            }
            flags[endpoint.Id] = (state.IngressEnforced, state.EgressEnforced);
            entries += state.Entries.Count;
        }
        _endpoints.SetEnforcement(flags);

        // :: Step 5: listeners no entry points at any more are closed.
        var redirects = _proxy.Finish(computation);
        LastComputation = computation;
        _policies.MarkApplied(revision);
        Interlocked.Increment(ref _applied);
        Log.Regenerated(_logger, revision, endpoints.Count, entries, redirects);
    }

    private static bool SameState(EndpointMapState a, EndpointMapState b) => a.SameMapState(b);

    /// <summary>The last computation applied (for the proxy's peer resolver and status).</summary>
    public PolicyComputation? LastComputation { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Trigger();
        while (await _signal.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            await Task.Delay(Debounce, stoppingToken).ConfigureAwait(false);
            _signal.Reader.TryRead(out _);
            try
            {
                RegenerateNow();
            }
            catch (Exception e)
            {
                Log.RegenerationFailed(_logger, e);
            }
        }
    }
}
