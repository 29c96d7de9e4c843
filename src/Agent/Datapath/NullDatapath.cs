using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Datapath;

/// <summary>
/// Datapath stand-in when the BPF objects are not available: the agent still
/// manages endpoints, identities and policy, remembers what it would have
/// written, and reports the datapath as Disabled with the reason.
/// </summary>
internal sealed class NullDatapath : INodeDatapath
{
    private readonly string _bpfRoot;
    private readonly string _reason;
    private readonly Dictionary<int, EndpointMapState> _policies = [];

    private readonly string _state;

    public NullDatapath(string bpfRoot, string reason, string state = "Disabled")
    {
        _bpfRoot = bpfRoot;
        _reason = reason;
        _state = state;
    }

    public DatapathStatusModel Status() => new() { State = _state, Message = _reason, BpfRoot = _bpfRoot };

    public void Start(IReadOnlyList<EndpointModel> endpoints)
    {
    }

    public void UpsertEndpoint(EndpointModel endpoint)
    {
    }

    public void RemoveEndpoint(EndpointModel endpoint)
    {
        lock (_policies)
        {
            _policies.Remove(endpoint.Id);
        }
    }

    /// <summary>How many whole-policy writes were made (what a real datapath would rewrite).</summary>
    public int PolicyWrites { get; private set; }

    public void ApplyPolicy(EndpointMapState state, uint revision)
    {
        lock (_policies)
        {
            _policies[state.EndpointId] = state;
            PolicyWrites++;
        }
    }

    public void AddPolicyEntries(int endpointId, IReadOnlyList<PolicyMapEntrySpec> entries)
    {
        lock (_policies)
        {
            if (!_policies.TryGetValue(endpointId, out var state))
            {
                throw new InvalidOperationException($"endpoint {endpointId} has no policy yet");
            }
            _policies[endpointId] = state.WithAdded(entries);
        }
    }

    public void AddCidrIdentity(System.Net.IPNetwork prefix, uint identity)
    {
    }

    public void SyncIpcache(IReadOnlyDictionary<System.Net.IPNetwork, uint> cidrIdentities)
    {
    }

    public void AttachUplink(int ifindex)
    {
    }

    public void UpsertRemoteIp(System.Net.IPAddress ip, uint identity)
    {
    }

    public void RemoveRemoteIp(System.Net.IPAddress ip)
    {
    }

    public EndpointMapState? ReadPolicy(int endpointId)
    {
        lock (_policies)
        {
            return _policies.GetValueOrDefault(endpointId);
        }
    }

    public IReadOnlySet<System.Net.IPAddress> ActiveConnectionPeers(TimeSpan window) => new HashSet<System.Net.IPAddress>();

    public IReadOnlyList<string> RepairPins(Func<IReadOnlyList<string>>? alsoRepair = null) => alsoRepair?.Invoke() ?? [];

    public void Dispose()
    {
    }
}
