using System.Net;
using CiliumL7.Agent.Logging;
using CiliumL7.Datapath.Services;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Services;

// ServiceManager, part 2: writing frontends to the socket LB maps and reading them back.
public sealed partial class ServiceManager
{
    /// <summary>
    /// Re-creates the socket LB's bpffs pins removed under the running agent: its maps from the descriptors held
    /// here, and a link whose pin is gone (that detached its program) by installing the object again over the
    /// same maps. Returns the names re-created; empty without a datapath.
    /// </summary>
    /// <exception cref="IOException">A pin or link could not be re-created.</exception>
    public IReadOnlyList<string> RepairPins()
    {
        if (BpfRoot is null || ObjectPath is null || CgroupPath is null)
        {
            return [];
        }
        List<string> repaired;
        lock (_lock)
        {
            repaired = [.. _maps?.RepairPins(BpfRoot) ?? []];
        }
        var lost = LinkHooks.Where(h => !File.Exists(Path.Combine(BpfRoot, SocketLbLoader.LinkPinPrefix + h))).ToList();
        if (lost.Count > 0)
        {
            SocketLbLoader.Install(ObjectPath, BpfRoot, CgroupPath); // the maps are pinned again: new links use the live ones
            repaired.AddRange(lost.Select(h => SocketLbLoader.LinkPinPrefix + h));
        }
        return repaired;
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

    private void WriteFrontends(ServiceEntry entry, bool force, bool throwOnError = true)
    {
        if (_awaitingSlices && entry.Spec.BackendSource == ServiceBackendSource.EndpointSlices)
        {
            return; // the maps keep what they hold until the first list of EndpointSlices
        }
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
                Log.MapWriteFailed(_logger, frontend.ToString(), e);
                continue;
            }
            entry.Backends[i] = backends;
            if (previous is null || !SameBackends(previous, backends))
            {
                Log.BackendsChanged(_logger, frontend.ToString(), entry.Spec.Namespace, entry.Spec.Name, backends.Count);
            }
        }
    }

    private void RemoveStaleFrontends(ServiceEntry old, ServiceEntry? current)
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
                    Log.StaleFrontendRemoved(_logger, state.Frontend.ToString());
                }
            }
        }
        catch (IOException e)
        {
            Log.MapWriteFailed(_logger, "(stale frontends)", e);
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
}
