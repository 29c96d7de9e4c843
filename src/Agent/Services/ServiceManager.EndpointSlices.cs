using System.Net;

namespace CiliumL7.Agent.Services;

// ServiceManager, part 5: backends from Kubernetes EndpointSlices (services with BackendSource = EndpointSlices).
public sealed partial class ServiceManager
{
    private readonly Dictionary<string, IReadOnlyList<EndpointSliceBackend>> _sliceBackends = new(StringComparer.Ordinal);
    private bool _awaitingSlices;

    /// <summary>
    /// Kubernetes mode starts: until <see cref="EndpointSlicesSynced"/>, services whose backends come from
    /// EndpointSlices keep what the maps hold (a restart does not empty them before the first list).
    /// </summary>
    public void ExpectEndpointSlices()
    {
        lock (_lock)
        {
            _awaitingSlices = true;
        }
    }

    /// <summary>The first complete list of EndpointSlices was delivered: write every such service's backends.</summary>
    public void EndpointSlicesSynced()
    {
        lock (_lock)
        {
            if (!_awaitingSlices)
            {
                return;
            }
            _awaitingSlices = false;
            foreach (var entry in _services.Values)
            {
                if (entry.Spec.BackendSource == ServiceBackendSource.EndpointSlices)
                {
                    WriteFrontends(entry, force: true, throwOnError: false);
                }
            }
        }
    }

    /// <summary>
    /// The usable backends of service <paramref name="namespace"/>/<paramref name="name"/> from its
    /// EndpointSlices (kept also before the Service itself is known); writes the frontends whose set changed.
    /// </summary>
    public void SetEndpointSliceBackends(string @namespace, string name, IReadOnlyList<EndpointSliceBackend> backends)
    {
        lock (_lock)
        {
            var key = Key(@namespace, name);
            if (backends.Count == 0)
            {
                _sliceBackends.Remove(key);
            }
            else
            {
                _sliceBackends[key] = backends;
            }
            if (_services.TryGetValue(key, out var entry) && entry.Spec.BackendSource == ServiceBackendSource.EndpointSlices)
            {
                WriteFrontends(entry, force: false, throwOnError: false);
            }
        }
    }

    /// <summary>Backends of one port from the service's EndpointSlices: port name and protocol must match.</summary>
    private List<ServiceBackend> SliceBackends(ServiceSpec spec, ServicePort port)
    {
        var backends = new List<ServiceBackend>();
        if (!_sliceBackends.TryGetValue(Key(spec.Namespace, spec.Name), out var all))
        {
            return backends;
        }
        var seen = new HashSet<(IPAddress, int)>();
        foreach (var b in all)
        {
            if (b.PortName == (port.Name ?? "") && b.Protocol == port.Protocol && seen.Add((b.Ip, b.Port)))
            {
                backends.Add(new ServiceBackend(LocalEndpointId(b.Ip), b.Ip, b.Port));
            }
        }
        return backends;
    }

    private uint LocalEndpointId(IPAddress ip)
    {
        foreach (var (id, _, _, address) in _endpoints)
        {
            if (id != 0 && address.Equals(ip))
            {
                return id;
            }
        }
        return 0;
    }
}
