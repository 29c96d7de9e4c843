using System.Net;
using CiliumL7.Agent.Identity;
using CiliumL7.Agent.Ipam;
using CiliumL7.Agent.State;
using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Endpoints;

/// <summary>
/// Owns the node's endpoints, their addresses (IPAM) and identities, and keeps
/// all three persisted in the state directory (atomic JSON files). Thread-safe:
/// one lock serializes every change; <see cref="Changed"/> is raised after the
/// lock is released.
/// </summary>
internal sealed class EndpointManager
{
    private readonly object _lock = new();
    private readonly string _stateDir;
    private readonly Ipv4Ipam _ipam;
    private readonly IdentityStore _identities;

    /// <summary>Status of an endpoint whose identity waits for the kvstore (it holds reserved:init meanwhile).</summary>
    public const string WaitingForIdentity = "waiting-for-identity";
    private readonly SortedDictionary<int, EndpointModel> _endpoints = [];

    public EndpointManager(string stateDir, Ipv4Cidr podCidr, KvStore.EtcdIdentityAllocator? clustered = null)
    {
        _identities = new IdentityStore(clustered);
        _stateDir = stateDir;
        _ipam = new Ipv4Ipam(podCidr);
    }

    /// <summary>Raised after endpoints or identities changed.</summary>
    public event Action? Changed;

    public Ipv4Cidr PodCidr => _ipam.Cidr;

    public IPAddress Gateway => _ipam.Gateway;

    private string EndpointsPath => Path.Combine(_stateDir, "endpoints.json");

    private string IpamPath => Path.Combine(_stateDir, "ipam.json");

    private string IdentitiesPath => Path.Combine(_stateDir, "identities.json");

    /// <summary>Loads identities, IPAM allocations and endpoints persisted by a previous run.</summary>
    public (int Endpoints, int Identities, int Allocations) Restore()
    {
        lock (_lock)
        {
            _identities.Restore(StateFile.Read(IdentitiesPath, AgentStateJsonContext.Default.ListIdentityModel) ?? []);
            foreach (var allocation in StateFile.Read(IpamPath, AgentStateJsonContext.Default.ListIpamAllocation) ?? [])
            {
                if (IPAddress.TryParse(allocation.Ipv4, out var ip))
                {
                    _ipam.Restore(ip, allocation.Owner);
                }
            }
            var problems = new List<string>();
            foreach (var endpoint in StateFile.Read(EndpointsPath, AgentStateJsonContext.Default.ListEndpointModel) ?? [])
            {
                // A saved endpoint whose address another (earlier) saved endpoint holds is not restored: two
                // endpoints with one address would let the proxy apply one pod's rules to the other.
                var first = _endpoints.Values.FirstOrDefault(e => e.Ipv4 == endpoint.Ipv4);
                if (first is not null)
                {
                    problems.Add($"endpoint {endpoint.Id} (pod {endpoint.Namespace}/{endpoint.Name}, container {endpoint.ContainerId}) not restored: ipv4 {endpoint.Ipv4} belongs to endpoint {first.Id} (pod {first.Namespace}/{first.Name}); delete the pod and add it again");
                    continue;
                }
                var identity = endpoint.Status == WaitingForIdentity
                    ? Policy.Identity.ReservedIdentity.Init
                    : _identities.GetOrAllocate(EndpointLabels.SecurityRelevant(endpoint.Labels));
                _endpoints[endpoint.Id] = endpoint with { Identity = identity };
                if (IPAddress.TryParse(endpoint.Ipv4, out var ip) && !_ipam.Restore(ip, endpoint.ContainerId))
                {
                    problems.Add($"endpoint {endpoint.Id} (pod {endpoint.Namespace}/{endpoint.Name}): ipv4 {endpoint.Ipv4} is recorded in IPAM for another owner; IPAM now follows the endpoint");
                    _ipam.Release(ip);
                    _ipam.Restore(ip, endpoint.ContainerId);
                }
            }
            // An address allocated for a create that never finished (the agent died between the allocation and
            // the endpoint) has no endpoint: released, or it would stay taken until a CNI DEL that may never come.
            var owners = _endpoints.Values.Select(e => e.ContainerId).ToHashSet(StringComparer.Ordinal);
            foreach (var orphan in _ipam.Allocations().Where(a => !owners.Contains(a.Owner)).ToList())
            {
                if (IPAddress.TryParse(orphan.Ipv4, out var ip) && _ipam.Release(ip))
                {
                    problems.Add($"ipv4 {orphan.Ipv4} was allocated to container {orphan.Owner}, which has no endpoint (its create did not finish): released");
                }
            }
            RestoreProblems = problems;
            if (problems.Count > 0)
            {
                PersistAll();
            }
            _identities.RestoreDone();
            return (_endpoints.Count, _identities.Count, _ipam.Allocations().Count);
        }
    }

    public IpamAllocation Allocate(string owner)
    {
        lock (_lock)
        {
            var allocation = _ipam.Allocate(owner);
            PersistIpam();
            return allocation;
        }
    }

    /// <summary>What <see cref="Restore"/> refused or repaired (one line each), for the log and <c>status</c>.</summary>
    public IReadOnlyList<string> RestoreProblems { get; private set; } = [];

    /// <summary>Releases an address; throws <see cref="InvalidOperationException"/> when an endpoint still uses it.</summary>
    public bool Release(IPAddress ip)
    {
        lock (_lock)
        {
            var user = _endpoints.Values.FirstOrDefault(e => e.Ipv4 == ip.ToString());
            if (user is not null)
            {
                throw new InvalidOperationException($"{ip} is in use by endpoint {user.Id} (pod {user.Namespace}/{user.Name}); delete the endpoint first (DELETE /v1/endpoint/{user.Id})");
            }
            var released = _ipam.Release(ip);
            if (released)
            {
                PersistIpam();
            }
            return released;
        }
    }

    public IpamStatusModel Ipam()
    {
        lock (_lock)
        {
            return new IpamStatusModel { Cidr = _ipam.Cidr.ToString(), Gateway = _ipam.Gateway.ToString(), Allocations = _ipam.Allocations(), Available = _ipam.Available };
        }
    }

    /// <summary>Creates (or, for a known container id, replaces) an endpoint; allocates its identity.</summary>
    public (EndpointModel Endpoint, EndpointModel? Replaced) Create(EndpointCreateRequest request)
    {
        if (!IPAddress.TryParse(request.Ipv4, out var ip) || !_ipam.Cidr.Contains(ip))
        {
            throw new ArgumentException($"ipv4 \"{request.Ipv4}\" is not an address of the pod CIDR {_ipam.Cidr}");
        }
        if (string.IsNullOrWhiteSpace(request.Name) || string.IsNullOrWhiteSpace(request.Namespace))
        {
            throw new ArgumentException("name and namespace of the pod are required");
        }
        EndpointModel created;
        EndpointModel? replaced;
        lock (_lock)
        {
            replaced = _endpoints.Values.FirstOrDefault(e => e.ContainerId == request.ContainerId);
            var clash = _endpoints.Values.FirstOrDefault(e => e.ContainerId != request.ContainerId && e.Name == request.Name && e.Namespace == request.Namespace);
            if (clash is not null)
            {
                throw new InvalidOperationException($"pod {request.Namespace}/{request.Name} already exists as endpoint {clash.Id} (container {clash.ContainerId})");
            }
            // One address, one endpoint: the proxy identifies a sender by its source address.
            var owner = _endpoints.Values.FirstOrDefault(e => e.ContainerId != request.ContainerId && e.Ipv4 == ip.ToString());
            if (owner is not null)
            {
                throw new InvalidOperationException($"ipv4 {ip} is in use by endpoint {owner.Id} (pod {owner.Namespace}/{owner.Name}, container {owner.ContainerId}); allocate a free address with POST /v1/ipam");
            }
            if (!_ipam.Restore(ip, request.ContainerId))
            {
                var holder = _ipam.Allocations().FirstOrDefault(a => a.Ipv4 == ip.ToString());
                throw new InvalidOperationException(holder is null
                    ? $"ipv4 {ip} is reserved in the pod CIDR {_ipam.Cidr} (network, gateway or broadcast address); allocate one with POST /v1/ipam"
                    : $"ipv4 {ip} is allocated to container {holder.Owner}, not {request.ContainerId}; allocate a free address with POST /v1/ipam");
            }
            var labels = EndpointLabels.Normalize(request.Labels, request.Namespace);
            var (identity, status) = AllocateIdentityLocked(labels);
            if (replaced is not null)
            {
                ReleaseIfLastLocked(replaced.Identity, identity);
            }
            created = new EndpointModel
            {
                Id = replaced?.Id ?? NextId(),
                Name = request.Name,
                Namespace = request.Namespace,
                Labels = labels,
                Identity = identity,
                Ipv4 = ip.ToString(),
                Ifindex = request.Ifindex,
                HostInterface = request.HostInterface,
                HostMac = request.HostMac,
                PodMac = request.PodMac,
                ContainerId = request.ContainerId,
                Netns = request.Netns,
                PodInterface = request.PodInterface,
                Status = status,
            };
            _endpoints[created.Id] = created;
            PersistAll();
        }
        Changed?.Invoke();
        return (created, replaced);
    }

    /// <summary>
    /// New labels for the endpoint of pod <paramref name="ns"/>/<paramref name="name"/> (its pod was
    /// relabelled in Kubernetes): a new identity when the security-relevant labels changed. Returns the
    /// updated endpoint, or null when there is no such endpoint or nothing changed.
    /// </summary>
    public EndpointModel? Relabel(string ns, string name, IEnumerable<string> podLabels)
    {
        EndpointModel updated;
        lock (_lock)
        {
            var endpoint = _endpoints.Values.FirstOrDefault(e => e.Namespace == ns && e.Name == name);
            if (endpoint is null)
            {
                return null;
            }
            var labels = EndpointLabels.Normalize(podLabels, ns);
            if (labels.SequenceEqual(endpoint.Labels, StringComparer.Ordinal))
            {
                return null;
            }
            var (identity, status) = AllocateIdentityLocked(labels);
            ReleaseIfLastLocked(endpoint.Identity, identity);
            _endpoints[endpoint.Id] = updated = endpoint with { Labels = labels, Identity = identity, Status = status };
            PersistAll();
        }
        Changed?.Invoke();
        return updated;
    }

    /// <summary>The identity of <paramref name="labels"/>, and the endpoint status that goes with it.</summary>
    private (long Identity, string Status) AllocateIdentityLocked(IEnumerable<string> labels)
    {
        try
        {
            return (_identities.GetOrAllocate(EndpointLabels.SecurityRelevant(labels)), "ready");
        }
        catch (KvStore.KvStoreUnavailableException)
        {
            // etcd is away and these labels are new: reserved:init until the kvstore is back (KvStoreSync retries).
            return (Policy.Identity.ReservedIdentity.Init, WaitingForIdentity);
        }
    }

    /// <summary>Releases <paramref name="old"/> when an endpoint leaves it for <paramref name="next"/> and was its last user.</summary>
    private void ReleaseIfLastLocked(long old, long next)
    {
        if (old != next && _endpoints.Values.Count(e => e.Identity == old) == 1)
        {
            _identities.Release(old);
        }
    }

    /// <summary>Turns audit mode on or off for one endpoint; null when no such endpoint.</summary>
    public EndpointModel? SetAuditMode(string selector, bool on)
    {
        EndpointModel? endpoint;
        lock (_lock)
        {
            endpoint = FindLocked(selector);
            if (endpoint is null)
            {
                return null;
            }
            if (endpoint.PolicyAuditMode == on)
            {
                return endpoint;
            }
            _endpoints[endpoint.Id] = endpoint = endpoint with { PolicyAuditMode = on };
            PersistAll();
        }
        Changed?.Invoke();
        return endpoint;
    }

    /// <summary>Removes an endpoint and releases its address; null when no such endpoint.</summary>
    public EndpointModel? Delete(string selector)
    {
        EndpointModel? endpoint;
        lock (_lock)
        {
            endpoint = FindLocked(selector);
            if (endpoint is null)
            {
                return null;
            }
            _endpoints.Remove(endpoint.Id);
            _ipam.ReleaseOwner(endpoint.ContainerId);
            if (_identities.Clustered && !_endpoints.Values.Any(e => e.Identity == endpoint.Identity))
            {
                _identities.Release(endpoint.Identity);
            }
            PersistAll();
        }
        Changed?.Invoke();
        return endpoint;
    }

    /// <summary>Gives endpoints that waited for the kvstore their identity; the ones that changed (their datapath rows need rewriting).</summary>
    public List<EndpointModel> RetryPendingIdentities()
    {
        var changed = new List<EndpointModel>();
        lock (_lock)
        {
            foreach (var endpoint in _endpoints.Values.Where(e => e.Status == WaitingForIdentity).ToList())
            {
                try
                {
                    var identity = _identities.GetOrAllocate(EndpointLabels.SecurityRelevant(endpoint.Labels));
                    var updated = endpoint with { Identity = identity, Status = "ready" };
                    _endpoints[endpoint.Id] = updated;
                    changed.Add(updated);
                }
                catch (KvStore.KvStoreUnavailableException)
                {
                    break;
                }
            }
            if (changed.Count > 0)
            {
                PersistAll();
            }
        }
        if (changed.Count > 0)
        {
            Changed?.Invoke();
        }
        return changed;
    }

    public EndpointModel? Find(string selector)
    {
        lock (_lock)
        {
            return FindLocked(selector);
        }
    }

    public List<EndpointModel> List()
    {
        lock (_lock)
        {
            return [.. _endpoints.Values];
        }
    }

    /// <summary>Sets the enforcement flags the last regeneration computed (for <c>endpoint list</c>).</summary>
    public void SetEnforcement(IReadOnlyDictionary<int, (bool Ingress, bool Egress)> flags)
    {
        lock (_lock)
        {
            foreach (var (id, (ingress, egress)) in flags)
            {
                if (_endpoints.TryGetValue(id, out var e))
                {
                    _endpoints[id] = e with { PolicyIngressEnforced = ingress, PolicyEgressEnforced = egress };
                }
            }
        }
    }

    /// <summary>Identities with their reference counts; reserved ones first.</summary>
    public List<IdentityModel> Identities(bool includeReserved)
    {
        lock (_lock)
        {
            var list = new List<IdentityModel>();
            if (includeReserved)
            {
                foreach (var (id, label) in IdentityStore.Reserved)
                {
                    list.Add(new IdentityModel { Id = id, Labels = [label] });
                }
            }
            foreach (var identity in _identities.Snapshot())
            {
                var refs = _endpoints.Values.Count(e => e.Identity == identity.Id);
                list.Add(identity with { ReferenceCount = refs });
            }
            return list;
        }
    }

    /// <summary>The allocator shared with the policy resolver (CIDR identities are allocated there).</summary>
    public Policy.Identity.IIdentityAllocator Allocator => _identities.Allocator;

    /// <summary>True when identities come from the kvstore.</summary>
    public bool ClusteredIdentities => _identities.Clustered;

    /// <summary>Persists identities allocated outside this class (CIDR identities from resolution).</summary>
    public void PersistIdentities()
    {
        lock (_lock)
        {
            StateFile.Write(IdentitiesPath, _identities.Snapshot(), AgentStateJsonContext.Default.ListIdentityModel);
        }
    }

    public IReadOnlyList<string>? IdentityLabels(long id)
    {
        lock (_lock)
        {
            return _identities.LabelsOf(id);
        }
    }

    private EndpointModel? FindLocked(string selector)
    {
        if (int.TryParse(selector, out var id))
        {
            return _endpoints.GetValueOrDefault(id);
        }
        if (selector.StartsWith("container-id:", StringComparison.Ordinal))
        {
            var cid = selector["container-id:".Length..];
            return _endpoints.Values.FirstOrDefault(e => e.ContainerId == cid);
        }
        var pod = selector.StartsWith("pod:", StringComparison.Ordinal) ? selector[4..] : selector;
        var slash = pod.IndexOf('/', StringComparison.Ordinal);
        var ns = slash < 0 ? "default" : pod[..slash];
        var name = slash < 0 ? pod : pod[(slash + 1)..];
        return _endpoints.Values.FirstOrDefault(e => e.Name == name && e.Namespace == ns)
            ?? (IPAddress.TryParse(selector, out _) ? _endpoints.Values.FirstOrDefault(e => e.Ipv4 == selector) : null);
    }

    private int NextId()
    {
        for (var id = 1; id <= 65535; id++)
        {
            if (!_endpoints.ContainsKey(id))
            {
                return id;
            }
        }
        throw new InvalidOperationException("endpoint id space exhausted");
    }

    private void PersistIpam() => StateFile.Write(IpamPath, _ipam.Allocations(), AgentStateJsonContext.Default.ListIpamAllocation);

    private void PersistAll()
    {
        StateFile.Write(IdentitiesPath, _identities.Snapshot(), AgentStateJsonContext.Default.ListIdentityModel);
        PersistIpam();
        StateFile.Write(EndpointsPath, [.. _endpoints.Values], AgentStateJsonContext.Default.ListEndpointModel);
    }
}
