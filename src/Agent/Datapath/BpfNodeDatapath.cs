using System.Net;
using CiliumL7.Agent.Logging;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Client.Models;
using CiliumL7.Datapath;
using CiliumL7.Datapath.Events;
using CiliumL7.Policy;
using CiliumL7.Policy.Resolution;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Datapath;

/// <summary>
/// <see cref="INodeDatapath"/> over the eBPF datapath (<see cref="BpfDatapath"/>):
/// programs on each endpoint's host-side veth, endpoint map, ipcache, policy
/// maps (generation flip per endpoint), and the events ring buffer, whose drops
/// go to the <see cref="DropRecorder"/> and the log. Opening reuses the pins;
/// disposing closes handles only — programs stay attached, maps keep enforcing.
/// </summary>
internal sealed class BpfNodeDatapath : INodeDatapath, CiliumL7.Proxy.IProxyListenerRegistry
{
    private readonly BpfDatapath _bpf;
    private readonly DropRecorder _drops;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly Dictionary<int, EndpointMapState> _applied = [];
    private readonly Dictionary<int, EndpointModel> _endpoints = [];
    private readonly Dictionary<IPNetwork, uint> _cidrs = [];
    private readonly CancellationTokenSource _stop = new();
    private DatapathEventReader? _events;
    private Task? _eventLoop;

    private readonly ProxySocketLookup? _lookup;
    private readonly string? _lookupProblem;
    private int _pinRepairs;
    private string? _lastPinRepair;
    private string? _pinProblem;

    private BpfNodeDatapath(BpfDatapath bpf, string bpfObjectDir, DropRecorder drops, ILogger logger)
    {
        _bpf = bpf;
        _drops = drops;
        _logger = logger;
        try
        {
            _lookup = ProxySocketLookup.Attach(bpfObjectDir, bpf.BpfRoot);
        }
        catch (Exception e) when (e is DatapathException or IOException)
        {
            _lookupProblem = "sk-lookup not attached: " + e.Message;
            Log.DatapathFailed(logger, "attach sk-lookup to the node namespace (clients reusing a port toward the proxy may stall)", e);
        }
    }

    /// <summary>Registers a proxy listening socket with sk-lookup (see <see cref="ProxySocketLookup"/>).</summary>
    public void ListenerStarted(ushort proxyPort, System.Net.Sockets.Socket socket)
    {
        if (_lookup is null)
        {
            throw new DatapathException(_lookupProblem ?? "sk-lookup not attached");
        }
        _lookup.Register(proxyPort, socket);
    }

    /// <summary>Called for every datapath event (drops and verdicts), e.g. to feed Hubble.</summary>
    public Action<DatapathEvent>? EventObserver { get; set; }

    public static BpfNodeDatapath Open(string bpfObjectDir, string bpfRoot, DropRecorder drops, ILogger logger) =>
        new(BpfDatapath.Open(new DatapathOptions { BpfObjectDir = bpfObjectDir, BpfRoot = bpfRoot }), bpfObjectDir, drops, logger);

    public DatapathStatusModel Status()
    {
        var attachments = new List<string>();
        var missing = 0;
        lock (_lock)
        {
            foreach (var e in _endpoints.Values.OrderBy(e => e.Id))
            {
                var attached = BpfDatapath.IsAttached(e.Ifindex);
                missing += attached ? 0 : 1;
                attachments.Add($"from-container,to-container@{e.HostInterface}{(attached ? "" : " (NOT ATTACHED)")}");
            }
        }
        attachments.Add(_lookup is not null ? "sk-lookup@node-netns" : "sk-lookup (NOT ATTACHED)");
        var maps = Directory.Exists(_bpf.BpfRoot)
            ? Directory.EnumerateFiles(_bpf.BpfRoot).Select(Path.GetFileName).Where(n => n is not null && !n.StartsWith("prog_", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()
            : [];
        var problems = new List<string>();
        if (missing > 0)
        {
            problems.Add($"{missing} endpoints without programs");
        }
        if (_lookupProblem is not null)
        {
            problems.Add(_lookupProblem);
        }
        if (_pinProblem is not null)
        {
            problems.Add(_pinProblem);
        }
        else if (_pinRepairs > 0)
        {
            problems.Add($"bpffs pins were removed under the running agent and re-created ({_pinRepairs} times; last {_lastPinRepair})");
        }
        return new DatapathStatusModel
        {
            State = problems.Count == 0 ? "Ok" : "Warning",
            Message = problems.Count == 0 ? null : string.Join("; ", problems),
            BpfRoot = _bpf.BpfRoot,
            Attachments = attachments,
            Maps = maps!,
        };
    }

    public void Start(IReadOnlyList<EndpointModel> endpoints)
    {
        // Restored endpoints: the programs are normally still attached (kill -9 leaves them) and the
        // maps still enforce. Attaching again swaps in the programs just loaded (an upgrade) atomically,
        // with no window without a program; endpoint map and ipcache rows are rewritten (idempotent).
        var missing = 0;
        foreach (var endpoint in endpoints)
        {
            try
            {
                if (!BpfDatapath.IsAttached(endpoint.Ifindex))
                {
                    missing++;
                }
                _bpf.AttachEndpoint(endpoint.Ifindex, new EndpointEntry((uint)endpoint.Id, (uint)endpoint.Identity));
                UpsertIpcache(endpoint);
                lock (_lock)
                {
                    _endpoints[endpoint.Id] = endpoint;
                }
            }
            catch (Exception e) when (e is DatapathException or IOException)
            {
                Log.DatapathFailed(_logger, $"restore endpoint {endpoint.Id} on {endpoint.HostInterface}", e);
            }
        }
        if (endpoints.Count > 0)
        {
            Log.DatapathInfo(_logger, $"programs replaced on {endpoints.Count} restored endpoints ({missing} had none attached)");
        }
        _events = _bpf.OpenEventReader();
        _eventLoop = Task.Run(ConsumeEventsAsync);
        Log.DatapathInfo(_logger, $"programs loaded, maps pinned under {_bpf.BpfRoot}; {endpoints.Count} endpoints restored");
    }

    public void UpsertEndpoint(EndpointModel endpoint)
    {
        _bpf.AttachEndpoint(endpoint.Ifindex, new EndpointEntry((uint)endpoint.Id, (uint)endpoint.Identity));
        UpsertIpcache(endpoint);
        lock (_lock)
        {
            _endpoints[endpoint.Id] = endpoint;
        }
    }

    public void RemoveEndpoint(EndpointModel endpoint)
    {
        try
        {
            _bpf.DetachEndpoint(endpoint.Ifindex);
        }
        catch (Exception e) when (e is DatapathException or IOException)
        {
            // the veth (and the programs with it) may already be gone
        }
        if (endpoint.Ipv4 is not null && IPAddress.TryParse(endpoint.Ipv4, out var ip))
        {
            _bpf.DeleteIpcache(new IPNetwork(ip, 32));
        }
        _bpf.DeletePolicy((uint)endpoint.Id);
        lock (_lock)
        {
            _endpoints.Remove(endpoint.Id);
            _applied.Remove(endpoint.Id);
        }
    }

    public void ApplyPolicy(EndpointMapState state, uint revision)
    {
        var mapEntries = new List<PolicyMapEntry>(state.Entries.Count);
        foreach (var e in state.Entries)
        {
            mapEntries.Add(new PolicyMapEntry(
                e.Direction,
                e.Identity,
                e.Protocol,
                e.Port,
                e.EndPort,
                MapVerdict(e.Action),
                e.ProxyPort,
                ResolverPolicyEngine.Cookie(e.PolicyName))
            { AuditBeside = e.AuditBeside });
        }
        _bpf.ApplyPolicy((uint)state.EndpointId, mapEntries, state.IngressEnforced, state.EgressEnforced, revision,
            state.IngressAudit, state.EgressAudit, state.IngressAuditBeside, state.EgressAuditBeside);
        lock (_lock)
        {
            _applied[state.EndpointId] = state;
        }
    }

    /// <summary>The map's verdict for a resolved action; an unknown action throws, so it is never written as an allow.</summary>
    internal static PolicyMapVerdict MapVerdict(PolicyAction action) => action switch
    {
        PolicyAction.Allow => PolicyMapVerdict.Allow,
        PolicyAction.Deny => PolicyMapVerdict.Deny,
        PolicyAction.Redirect => PolicyMapVerdict.Redirect,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "unknown policy action: the endpoint's policy is not applied"),
    };

    public void AddPolicyEntries(int endpointId, IReadOnlyList<PolicyMapEntrySpec> entries)
    {
        var mapEntries = new List<PolicyMapEntry>(entries.Count);
        foreach (var e in entries)
        {
            mapEntries.Add(new PolicyMapEntry(e.Direction, e.Identity, e.Protocol, e.Port, e.EndPort, MapVerdict(e.Action), e.ProxyPort, ResolverPolicyEngine.Cookie(e.PolicyName)));
        }
        _bpf.AddPolicyEntries((uint)endpointId, mapEntries);
        lock (_lock)
        {
            if (_applied.TryGetValue(endpointId, out var state))
            {
                _applied[endpointId] = state.WithAdded(entries);
            }
        }
    }

    public void AddCidrIdentity(IPNetwork prefix, uint identity)
    {
        lock (_lock)
        {
            if (!_cidrs.TryGetValue(prefix, out var old) || old != identity)
            {
                _bpf.UpsertIpcache(prefix, identity);
                _cidrs[prefix] = identity;
            }
        }
    }

    public void SyncIpcache(IReadOnlyDictionary<IPNetwork, uint> cidrIdentities)
    {
        lock (_lock)
        {
            foreach (var (prefix, identity) in cidrIdentities)
            {
                if (!_cidrs.TryGetValue(prefix, out var old) || old != identity)
                {
                    _bpf.UpsertIpcache(prefix, identity);
                    _cidrs[prefix] = identity;
                }
            }
            foreach (var stale in _cidrs.Keys.Where(p => !cidrIdentities.ContainsKey(p)).ToList())
            {
                if (!IsEndpointPrefix(stale))
                {
                    _bpf.DeleteIpcache(stale);
                }
                _cidrs.Remove(stale);
            }
        }
    }

    public void AttachUplink(int ifindex) => _bpf.AttachNetdev(ifindex);

    public void UpsertRemoteIp(IPAddress ip, uint identity)
    {
        lock (_lock)
        {
            if (!IsEndpointPrefix(new IPNetwork(ip, 32)))
            {
                _bpf.UpsertIpcache(new IPNetwork(ip, 32), identity);
            }
        }
    }

    public void RemoveRemoteIp(IPAddress ip)
    {
        lock (_lock)
        {
            var prefix = new IPNetwork(ip, 32);
            if (!IsEndpointPrefix(prefix) && !_cidrs.ContainsKey(prefix))
            {
                _bpf.DeleteIpcache(prefix);
            }
        }
    }

    public EndpointMapState? ReadPolicy(int endpointId)
    {
        lock (_lock)
        {
            return _applied.GetValueOrDefault(endpointId);
        }
    }

    public IReadOnlySet<IPAddress> ActiveConnectionPeers(TimeSpan window) => _bpf.ActiveConnectionPeers(window);

    public IReadOnlyList<string> RepairPins(Func<IReadOnlyList<string>>? alsoRepair = null)
    {
        lock (_lock)
        {
            try
            {
                List<string> repaired = [.. _bpf.RepairPins(), .. _lookup?.RepairPins() ?? [], .. alsoRepair?.Invoke() ?? []];
                _pinProblem = null;
                if (repaired.Count > 0)
                {
                    _pinRepairs++;
                    _lastPinRepair = $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}: {string.Join(", ", repaired)}";
                }
                return repaired;
            }
            catch (Exception e) when (e is DatapathException or IOException)
            {
                _pinProblem = "bpffs pins missing and not re-created: " + e.Message;
                throw;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _events?.Dispose();
        try
        {
            _eventLoop?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
        _lookup?.Dispose();
        _bpf.Dispose();
    }

    private void UpsertIpcache(EndpointModel endpoint)
    {
        if (endpoint.Ipv4 is not null && IPAddress.TryParse(endpoint.Ipv4, out var ip))
        {
            _bpf.UpsertIpcache(new IPNetwork(ip, 32), (uint)endpoint.Identity, (uint)endpoint.Id);
        }
    }

    private bool IsEndpointPrefix(IPNetwork prefix) =>
        prefix.PrefixLength == 32 && _endpoints.Values.Any(e => e.Ipv4 == prefix.BaseAddress.ToString());

    private async Task ConsumeEventsAsync()
    {
        var reader = _events!.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var ev))
                {
                    EventObserver?.Invoke(ev);
                    if (ev.Type != DatapathEventType.Drop)
                    {
                        continue;
                    }
                    var drop = new DropEventModel
                    {
                        Time = ev.Time,
                        Reason = (int)ev.Reason,
                        ReasonName = ReasonName(ev.Reason),
                        SourceIdentity = ev.SourceIdentity,
                        DestinationIdentity = ev.DestinationIdentity,
                        SourceIp = ev.Source.ToString(),
                        DestinationIp = ev.Destination.ToString(),
                        SourcePort = ev.SourcePort,
                        DestinationPort = ev.DestinationPort,
                        Protocol = ev.Protocol,
                        Direction = ev.Direction == TrafficDirection.Egress ? "egress" : "ingress",
                        EndpointId = (int)(ev.Direction == TrafficDirection.Egress ? ev.SourceEndpoint : ev.DestinationEndpoint),
                    };
                    _drops.Add(drop);
                    Log.Drop(_logger, drop.ReasonName, $"{drop.SourceIp}:{drop.SourcePort}", drop.SourceIdentity, $"{drop.DestinationIp}:{drop.DestinationPort}", drop.DestinationIdentity, drop.Protocol, drop.Direction, drop.EndpointId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public static string ReasonName(DropReason reason) => reason switch
    {
        DropReason.PolicyDenied => "POLICY_DENIED",
        DropReason.InvalidSourceIp => "INVALID_SIP",
        DropReason.PolicyDeny => "POLICY_DENY",
        DropReason.InvalidPacket => "INVALID_PACKET",
        DropReason.ProxyLookupFailed => "PROXY_LOOKUP_FAILED",
        DropReason.ProxySetFailed => "PROXY_SET_FAILED",
        _ => reason.ToString().ToUpperInvariant(),
    };
}
