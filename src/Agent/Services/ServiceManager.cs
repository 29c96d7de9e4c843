using System.Net;
using System.Text.Json;
using CiliumL7.Datapath.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Agent.Services;

/// <summary>
/// ClusterIP services of one node: VIPs from the service CIDR, backends from
/// the local endpoints whose labels match, written to the socket load
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
public sealed class ServiceManager : IDisposable
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
    private readonly SortedDictionary<string, Entry> _services = new(StringComparer.Ordinal);
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
            var entry = new Entry(spec, ids);

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
            ServiceLog.ServiceChanged(_logger, spec.Namespace, spec.Name, old is null ? "created" : "updated", vip.ToString(), ids.Length);
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
            ServiceLog.ServiceDeleted(_logger, @namespace, name, old.Vip.ToString());
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

    /// <summary>The kernel's view: attached hooks and every frontend in the maps (empty without a datapath).</summary>
    public ServiceDatapathStatus DatapathStatus()
    {
        var hooks = new List<string>();
        if (BpfRoot is not null)
        {
            foreach (var pin in SocketLbLoader.AttachedLinks(BpfRoot))
            {
                hooks.Add(Path.GetFileName(pin)[SocketLbLoader.LinkPinPrefix.Length..]);
            }
        }
        var frontends = new List<ServiceFrontend>();
        lock (_lock)
        {
            foreach (var state in _maps?.ListServices() ?? [])
            {
                var backends = new List<ServiceBackend>(state.Backends.Count);
                foreach (var b in state.Backends)
                {
                    backends.Add(new ServiceBackend(0, b.Address, b.Port));
                }
                frontends.Add(new ServiceFrontend(state.RevNatIndex, state.Frontend.Address + ":" + state.Frontend.Port,
                    state.Frontend.Protocol == LbProtocol.Udp ? "UDP" : "TCP", backends));
            }
        }
        frontends.Sort((a, b) => a.Id.CompareTo(b.Id));
        IReadOnlyList<ulong> served;
        lock (_lock)
        {
            served = _maps?.ServedNetns() ?? [];
        }
        return new ServiceDatapathStatus { Hooks = hooks, ServedNetns = served, Frontends = frontends };
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

    /// <summary>
    /// Registers a pod network namespace: sock-lb starts translating its
    /// sockets (by netns cookie) and, when it is a named netns, its hosts file
    /// is written.
    /// </summary>
    /// <param name="netns">CNI netns path (<c>/var/run/netns/NAME</c>, <c>/proc/PID/ns/net</c>) or a bare ip-netns name.</param>
    /// <param name="podNamespace">The pod's Kubernetes namespace (short service names resolve only within it), or null.</param>
    public void AddPodNetns(string netns, string? podNamespace = null)
    {
        var path = NetnsPath(netns);
        var entry = new PodNetns(HostsFileWriter.NetnsName(path), podNamespace, CookieOf(path));
        lock (_lock)
        {
            _podNetns[path] = entry;
            Serve(entry);
            if (entry.HostsName is { } name)
            {
                WriteHostsFile(name, podNamespace);
            }
            Persist();
        }
    }

    /// <summary>Forgets a pod network namespace: no more translation for it, hosts file removed. Idempotent.</summary>
    public void RemovePodNetns(string netns)
    {
        var path = NetnsPath(netns);
        lock (_lock)
        {
            if (!_podNetns.Remove(path, out var entry))
            {
                return;
            }
            Persist();
            if (entry.Cookie != 0)
            {
                try
                {
                    _maps?.UnserveNetns(entry.Cookie);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    ServiceLog.MapWriteFailed(_logger, "(netns " + path + ")", e);
                }
            }
            try
            {
                if (entry.HostsName is { } name)
                {
                    _hosts?.Remove(name);
                }
            }
            catch (IOException e)
            {
                ServiceLog.HostsWriteFailed(_logger, path, e);
            }
        }
    }

    /// <summary>Removes every hosts file this manager wrote (agent cleanup).</summary>
    public void RemoveAllHostsFiles()
    {
        lock (_lock)
        {
            foreach (var entry in _podNetns.Values)
            {
                if (entry.HostsName is { } name)
                {
                    _hosts?.Remove(name);
                }
            }
            _podNetns.Clear();
            Persist();
        }
    }

    /// <summary>A bare name means <c>/var/run/netns/NAME</c>.</summary>
    internal static string NetnsPath(string netns) =>
        netns.Contains('/', StringComparison.Ordinal) ? netns : "/var/run/netns/" + netns;

    private ulong CookieOf(string path)
    {
        if (_maps is null)
        {
            return 0;
        }
        try
        {
            return NetnsCookie.Of(path);
        }
        catch (IOException e)
        {
            ServiceLog.NetnsUnknown(_logger, path, e);
            return 0;
        }
    }

    private void Serve(PodNetns entry)
    {
        if (entry.Cookie == 0 || _maps is null)
        {
            return;
        }
        try
        {
            _maps.ServeNetns(entry.Cookie);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            ServiceLog.MapWriteFailed(_logger, "(netns cookie " + entry.Cookie + ")", e);
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

    /// <summary>Backends of a spec's port among the current endpoints, ordered by endpoint id.</summary>
    internal List<ServiceBackend> SelectBackends(ServiceSpec spec, ServicePort port)
    {
        var backends = new List<ServiceBackend>();
        foreach (var (id, ns, labels, ip) in _endpoints)
        {
            if (ns == spec.Namespace && ServiceSelector.Matches(spec.Selector, labels))
            {
                backends.Add(new ServiceBackend(id, ip, port.EffectiveTargetPort));
            }
        }
        backends.Sort((a, b) => a.EndpointId.CompareTo(b.EndpointId));
        return backends;
    }

    // ---- datapath ----

    private void WriteFrontends(Entry entry, bool force, bool throwOnError = true)
    {
        for (var i = 0; i < entry.Spec.Ports.Count; i++)
        {
            var port = entry.Spec.Ports[i];
            var backends = SelectBackends(entry.Spec, port);
            var previous = entry.Backends[i];
            if (!force && previous is not null && SameBackends(previous, backends))
            {
                continue;
            }
            var frontend = Frontend(entry.Vip, port);
            try
            {
                _maps?.UpsertService(frontend, (ushort)entry.Ids[i], ToLb(backends));
            }
            catch (Exception e) when (!throwOnError && e is IOException or ObjectDisposedException)
            {
                ServiceLog.MapWriteFailed(_logger, frontend.ToString(), e);
                continue;
            }
            entry.Backends[i] = backends;
            if (previous is null || !SameBackends(previous, backends))
            {
                ServiceLog.BackendsChanged(_logger, frontend.ToString(), entry.Spec.Namespace, entry.Spec.Name, backends.Count);
            }
        }
    }

    private void RemoveStaleFrontends(Entry old, Entry? current)
    {
        for (var i = 0; i < old.Spec.Ports.Count; i++)
        {
            var frontend = Frontend(old.Vip, old.Spec.Ports[i]);
            if (current is not null && current.Vip.Equals(old.Vip) && current.IdFor(old.Vip, old.Spec.Ports[i]) is not null)
            {
                continue;
            }
            _maps?.DeleteService(frontend);
            _frontendIds.Remove(old.Ids[i]);
        }
    }

    private void RemoveUnknownFrontends()
    {
        if (_maps is null)
        {
            return;
        }
        var known = new HashSet<LbFrontend>();
        foreach (var entry in _services.Values)
        {
            foreach (var port in entry.Spec.Ports)
            {
                known.Add(Frontend(entry.Vip, port));
            }
        }
        try
        {
            foreach (var state in _maps.ListServices())
            {
                if (!known.Contains(state.Frontend))
                {
                    _maps.DeleteService(state.Frontend);
                    ServiceLog.StaleFrontendRemoved(_logger, state.Frontend.ToString());
                }
            }
        }
        catch (IOException e)
        {
            ServiceLog.MapWriteFailed(_logger, "(stale frontends)", e);
        }
    }

    private static LbFrontend Frontend(IPAddress vip, ServicePort port) =>
        new(vip, (ushort)port.Port, port.Protocol == "UDP" ? LbProtocol.Udp : LbProtocol.Tcp);

    private static LbBackend[] ToLb(List<ServiceBackend> backends)
    {
        var result = new LbBackend[backends.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new LbBackend(backends[i].Ip, (ushort)backends[i].Port);
        }
        return result;
    }

    private static bool SameBackends(IReadOnlyList<ServiceBackend> a, IReadOnlyList<ServiceBackend> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }
        return true;
    }

    // ---- hosts files ----

    private void WriteAllHostsFiles()
    {
        foreach (var entry in _podNetns.Values)
        {
            if (entry.HostsName is { } name)
            {
                WriteHostsFile(name, entry.PodNamespace);
            }
        }
    }

    private void WriteHostsFile(string netns, string? podNamespace)
    {
        if (_hosts is null)
        {
            return;
        }
        var services = new List<(string, string, IPAddress)>(_services.Count);
        foreach (var entry in _services.Values)
        {
            services.Add((entry.Spec.Name, entry.Spec.Namespace, entry.Vip));
        }
        try
        {
            _hosts.Write(netns, podNamespace, services);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ServiceLog.HostsWriteFailed(_logger, netns, e);
        }
    }

    // ---- state ----

    private void Restore()
    {
        if (ReadState(_stateFile) is not { } saved)
        {
            return;
        }
        foreach (var item in saved.Services)
        {
            try
            {
                var spec = ServiceSpecValidator.Validate(item.Spec);
                if (spec.Vip is null || !_vips.TryReserve(spec.Vip) || item.FrontendIds.Length != spec.Ports.Count)
                {
                    continue;
                }
                foreach (var id in item.FrontendIds)
                {
                    _frontendIds.Add(id);
                }
                _services[Key(spec.Namespace, spec.Name)] = new Entry(spec, item.FrontendIds);
            }
            catch (ArgumentException e)
            {
                ServiceLog.StateUnreadable(_logger, _stateFile!, e);
            }
        }
        foreach (var (path, podNamespace) in saved.PodNetns)
        {
            if (File.Exists(path))
            {
                _podNetns[path] = new PodNetns(HostsFileWriter.NetnsName(path), podNamespace, CookieOf(path));
            }
        }
    }

    /// <summary>The saved state, or null when there is none or it cannot be read.</summary>
    internal static PersistedServiceState? ReadState(string? stateFile, ILogger? logger = null)
    {
        if (stateFile is null || !File.Exists(stateFile))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<PersistedServiceState>(File.ReadAllText(stateFile), StateJson);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            ServiceLog.StateUnreadable(logger ?? NullLogger.Instance, stateFile, e);
            return null;
        }
    }

    private void Persist()
    {
        if (_stateFile is null)
        {
            return;
        }
        var saved = new PersistedServiceState();
        foreach (var (path, entry) in _podNetns)
        {
            saved.PodNetns[path] = entry.PodNamespace;
        }
        foreach (var entry in _services.Values)
        {
            saved.Services.Add(new PersistedService(entry.Spec, entry.Ids));
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_stateFile))!);
        var tmp = _stateFile + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(saved, StateJson));
        File.Move(tmp, _stateFile, overwrite: true);
    }

    // ---- helpers ----

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

    private ServiceInfo Info(Entry entry)
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

    /// <summary>A service and what was last written for each of its ports.</summary>
    private sealed class Entry(ServiceSpec spec, int[] ids)
    {
        public ServiceSpec Spec { get; } = spec;

        public IPAddress Vip { get; } = spec.Vip!;

        public int[] Ids { get; } = ids;

        /// <summary>Per port: the backends last written to the maps (null = never written).</summary>
        public List<ServiceBackend>?[] Backends { get; } = new List<ServiceBackend>?[ids.Length];

        public int? IdFor(IPAddress vip, ServicePort port)
        {
            if (!vip.Equals(Vip))
            {
                return null;
            }
            for (var i = 0; i < Spec.Ports.Count; i++)
            {
                if (Spec.Ports[i].Port == port.Port && Spec.Ports[i].Protocol == port.Protocol)
                {
                    return Ids[i];
                }
            }
            return null;
        }
    }
}
