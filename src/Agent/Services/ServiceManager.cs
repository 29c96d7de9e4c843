using System.Net;
using System.Text.Json;
using CiliumL7.Agent.Logging;
using CiliumL7.Datapath.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Agent.Services;

/// <summary>
/// ClusterIP services of one node: VIPs from the service CIDR, backends from
/// the local endpoints whose labels match (or, Kubernetes mode, from the
/// service's EndpointSlices), written to the socket load
/// balancer's maps; plus the per-pod hosts files that make the service
/// names resolve.
/// <code>
///   Upsert/Delete ──┐                        ┌─► ILoadBalancerMaps (sock-lb: VIP → backend at connect)
///                   ├─► services × endpoints ┤
///   OnEndpointsChanged ┘   (selector match)  └─► HostsFileWriter (/etc/netns/NAME/hosts)
/// </code>
/// Map writes follow bpf/include/abi.h's order per frontend (backends, slots,
/// then the master entry with its count), so a connect never sees a
/// half-written service. Specs (with VIPs and frontend ids) persist in the
/// state file, so a restart keeps every VIP. Thread-safe.
/// </summary>
public sealed partial class ServiceManager : IDisposable
{
    /// <summary>Default service CIDR (Kubernetes' usual <c>--service-cluster-ip-range</c>).</summary>
    public const string DefaultServiceCidr = "10.96.0.0/16";

    private static readonly JsonSerializerOptions StateJson = new() { WriteIndented = true };

    private readonly Lock _lock = new();
    private readonly ILoadBalancerMaps? _maps;
    private readonly HostsFileWriter? _hosts;
    private readonly string? _stateFile;
    private readonly ILogger _logger;
    private readonly ServiceVipAllocator _vips;
    private readonly SortedDictionary<string, ServiceEntry> _services = new(StringComparer.Ordinal);
    private readonly HashSet<int> _frontendIds = [];
    private readonly Dictionary<string, PodNetns> _podNetns = new(StringComparer.Ordinal);
    private IReadOnlyList<(uint Id, string Namespace, IReadOnlyDictionary<string, string> Labels, IPAddress Ip)> _endpoints = [];
    private bool _synced;

    /// <summary>Creates the manager and restores saved services from <paramref name="stateFile"/> (maps are written on the first <see cref="OnEndpointsChanged"/>).</summary>
    /// <param name="serviceCidr">Where VIPs come from (<see cref="DefaultServiceCidr"/>).</param>
    /// <param name="maps">The socket LB maps (owned: disposed with the manager), or null to keep services in memory only (no datapath).</param>
    /// <param name="hosts">The hosts-file writer, or null for no name resolution.</param>
    /// <param name="stateFile">JSON file that keeps services across restarts, or null.</param>
    /// <param name="logger">Logger.</param>
    public ServiceManager(IPNetwork serviceCidr, ILoadBalancerMaps? maps = null, HostsFileWriter? hosts = null, string? stateFile = null, ILogger<ServiceManager>? logger = null)
    {
        _vips = new ServiceVipAllocator(serviceCidr);
        _maps = maps;
        _hosts = hosts;
        _stateFile = stateFile;
        _logger = logger ?? NullLogger<ServiceManager>.Instance;
        Restore();
    }

    /// <summary>The bpffs root of the socket LB pins (set by <see cref="ServiceSubsystem.Start"/>), for <see cref="DatapathStatus"/>.</summary>
    public string? BpfRoot { get; init; }

    /// <summary>The socket LB object and cgroup it was installed from, and its hooks: what re-creates a lost link.</summary>
    public string? ObjectPath { get; init; }

    /// <inheritdoc cref="ObjectPath"/>
    public string? CgroupPath { get; init; }

    /// <inheritdoc cref="ObjectPath"/>
    public IReadOnlyList<string> LinkHooks { get; init; } = [];

    /// <summary>The CIDR VIPs are allocated from.</summary>
    public IPNetwork ServiceCidr => _vips.Cidr;

    /// <summary>Creates or updates a service; keeps its VIP unless the spec asks for another one.</summary>
    /// <exception cref="ArgumentException">Invalid spec, VIP outside the CIDR or taken (every problem named).</exception>
    /// <exception cref="IOException">The datapath maps could not be written.</exception>
    public ServiceInfo Upsert(ServiceSpec spec)
    {
        spec = ServiceSpecValidator.Validate(spec);
        lock (_lock)
        {
            var key = Key(spec.Namespace, spec.Name);
            _services.TryGetValue(key, out var old);
            // :: Step 1: the VIP - keep, reserve the requested one, or allocate.
            IPAddress vip;
            if (spec.Vip is null || (old is not null && spec.Vip.Equals(old.Vip)))
            {
                vip = old?.Vip ?? _vips.Allocate();
            }
            else if (!_vips.Contains(spec.Vip))
            {
                throw new ArgumentException("service " + key + ": vip: " + spec.Vip + " is outside the service CIDR " + _vips.Cidr);
            }
            else if (!_vips.TryReserve(spec.Vip))
            {
                throw new ArgumentException("service " + key + ": vip: " + spec.Vip + " is already used by " + OwnerOf(spec.Vip));
            }
            else
            {
                vip = spec.Vip;
            }
            spec = spec with { Vip = vip };

            // :: Step 2: frontend ids - reuse those of unchanged (port, protocol) pairs.
            var ids = new int[spec.Ports.Count];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = old?.IdFor(vip, spec.Ports[i]) ?? AllocateFrontendId();
            }
            var entry = new ServiceEntry(spec, ids);

            // :: Step 3: datapath - new frontends first, then remove the ones that disappeared.
            try
            {
                WriteFrontends(entry, force: true);
            }
            catch when (old is null)
            {
                _vips.Release(vip);
                foreach (var id in ids)
                {
                    _frontendIds.Remove(id);
                }
                throw;
            }
            if (old is not null)
            {
                RemoveStaleFrontends(old, entry);
                if (!old.Vip.Equals(vip))
                {
                    _vips.Release(old.Vip);
                }
            }
            _services[key] = entry;
            Persist();
            WriteAllHostsFiles();
            Log.ServiceChanged(_logger, spec.Namespace, spec.Name, old is null ? "created" : "updated", vip.ToString(), ids.Length);
            return Info(entry);
        }
    }

    /// <summary>Deletes a service: its frontends leave the maps (connects to the VIP are no longer translated) and its names leave the hosts files.</summary>
    /// <returns>False when no such service exists.</returns>
    public bool Delete(string @namespace, string name)
    {
        lock (_lock)
        {
            if (!_services.Remove(Key(@namespace, name), out var old))
            {
                return false;
            }
            RemoveStaleFrontends(old, null);
            _vips.Release(old.Vip);
            Persist();
            WriteAllHostsFiles();
            Log.ServiceDeleted(_logger, @namespace, name, old.Vip.ToString());
            return true;
        }
    }

    /// <summary>Every service, ordered by namespace/name.</summary>
    public IReadOnlyList<ServiceInfo> List()
    {
        lock (_lock)
        {
            var list = new List<ServiceInfo>(_services.Count);
            foreach (var entry in _services.Values)
            {
                list.Add(Info(entry));
            }
            return list;
        }
    }

    /// <summary>One service, or null.</summary>
    public ServiceInfo? Get(string @namespace, string name)
    {
        lock (_lock)
        {
            return _services.TryGetValue(Key(@namespace, name), out var entry) ? Info(entry) : null;
        }
    }

    /// <summary>
    /// The full set of local endpoints changed (created, deleted, relabelled):
    /// recompute every service's backends and write the frontends whose
    /// backend set changed. The first call after start writes all frontends
    /// and removes map entries of services that no longer exist.
    /// Never throws on a map failure (logged; the previous backends stay).
    /// </summary>
    public void OnEndpointsChanged(IReadOnlyList<(uint Id, string Namespace, IReadOnlyDictionary<string, string> Labels, IPAddress Ip)> endpoints)
    {
        lock (_lock)
        {
            _endpoints = [.. endpoints];
            var force = !_synced;
            foreach (var entry in _services.Values)
            {
                WriteFrontends(entry, force, throwOnError: false);
            }
            if (force)
            {
                RemoveUnknownFrontends();
                foreach (var entry in _podNetns.Values)
                {
                    Serve(entry);
                }
                WriteAllHostsFiles();
                _synced = true;
            }
        }
    }

    /// <summary>Closes the map descriptors. Pinned maps, links and hosts files stay: enforcement outlives the agent.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            (_maps as IDisposable)?.Dispose();
        }
    }

    private static int CompareAddresses(IPAddress a, IPAddress b) => a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes());

    /// <summary>Backends of a spec's port among the current endpoints, ordered by endpoint id (then address).</summary>
    internal List<ServiceBackend> SelectBackends(ServiceSpec spec, ServicePort port)
    {
        List<ServiceBackend> backends;
        switch (spec.BackendSource)
        {
            case ServiceBackendSource.EndpointSlices:
                backends = SliceBackends(spec, port);
                break;
            case ServiceBackendSource.Selector:
                backends = [];
                foreach (var (id, ns, labels, ip) in _endpoints)
                {
                    if (ns == spec.Namespace && ServiceSelector.Matches(spec.Selector, labels))
                    {
                        backends.Add(new ServiceBackend(id, ip, port.EffectiveTargetPort));
                    }
                }
                break;
            default:
                throw new InvalidOperationException("service " + Key(spec.Namespace, spec.Name) + ": unknown backend source " + spec.BackendSource);
        }
        // Remote pods (endpoint id 0) in address order: the same set always gives the same list.
        backends.Sort((a, b) => a.EndpointId != b.EndpointId ? a.EndpointId.CompareTo(b.EndpointId) : CompareAddresses(a.Ip, b.Ip));
        return backends;
    }

    private int AllocateFrontendId()
    {
        for (var id = 1; id <= ushort.MaxValue; id++)
        {
            if (_frontendIds.Add(id))
            {
                return id;
            }
        }
        throw new InvalidOperationException("all 65535 service frontend ids are in use");
    }

    private string OwnerOf(IPAddress vip)
    {
        foreach (var (key, entry) in _services)
        {
            if (entry.Vip.Equals(vip))
            {
                return key;
            }
        }
        return "another service";
    }

    private ServiceInfo Info(ServiceEntry entry)
    {
        var frontends = new List<ServiceFrontend>(entry.Spec.Ports.Count);
        for (var i = 0; i < entry.Spec.Ports.Count; i++)
        {
            var port = entry.Spec.Ports[i];
            frontends.Add(new ServiceFrontend(entry.Ids[i], entry.Vip + ":" + port.Port, port.Protocol, entry.Backends[i] ?? SelectBackends(entry.Spec, port)));
        }
        return new ServiceInfo
        {
            Spec = entry.Spec,
            Vip = entry.Vip,
            DnsNames = HostsFileWriter.NamesFor(entry.Spec.Name, entry.Spec.Namespace, includeShortName: true),
            Frontends = frontends,
        };
    }

    private static string Key(string ns, string name) => ns + "/" + name;
}
