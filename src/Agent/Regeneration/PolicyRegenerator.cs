using System.Threading.Channels;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Logging;
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
    private long _generation;
    private long _applied;

    public PolicyRegenerator(EndpointManager endpoints, PolicyStore policies, INodeDatapath datapath, IPolicyEngine engine, IProxyIntegration proxy, ILogger<PolicyRegenerator> logger)
    {
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

    /// <summary>Runs one regeneration now, on the caller's thread.</summary>
    public void RegenerateNow()
    {
        lock (_signal)
        {
            var revision = _policies.Revision;
            var endpoints = _endpoints.List();
            var computation = _engine.Compute(_policies.All(), endpoints);
            var flags = new Dictionary<int, (bool, bool)>();
            var entries = 0;
            foreach (var endpoint in endpoints)
            {
                var state = computation.Endpoints.TryGetValue(endpoint.Id, out var s) ? s : new BpfPolicyModel { EndpointId = endpoint.Id, Entries = [] };
                _datapath.ApplyPolicy(endpoint.Id, state.Entries, state.IngressEnforced, state.EgressEnforced);
                flags[endpoint.Id] = (state.IngressEnforced, state.EgressEnforced);
                entries += state.Entries.Count;
            }
            _endpoints.SetEnforcement(flags);
            var redirects = _proxy.Update(computation, endpoints);
            Interlocked.Increment(ref _applied);
            Log.Regenerated(_logger, revision, endpoints.Count, entries, redirects);
        }
    }

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
