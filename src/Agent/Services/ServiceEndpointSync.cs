using System.Net;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.L7;
using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Services;

/// <summary>
/// Keeps a <see cref="ServiceManager"/> in step with the agent's endpoints:
/// on every <see cref="EndpointManager.Changed"/> it hands over the full
/// endpoint set (backend selection) and registers/unregisters pod network
/// namespaces (sock-lb scope + hosts files). Wire it with one line after
/// endpoints are restored:
/// <code>
///   using var serviceSync = ServiceEndpointSync.Attach(endpointManager, serviceManager);
/// </code>
/// </summary>
internal sealed class ServiceEndpointSync : IDisposable
{
    private readonly Lock _lock = new();
    private readonly EndpointManager _endpoints;
    private readonly ServiceManager _services;
    private readonly RemotePeers? _remote;
    private readonly Dictionary<string, string> _netns = new(StringComparer.Ordinal);
    private bool _disposed;
    private int _remoteSyncQueued;

    private ServiceEndpointSync(EndpointManager endpoints, ServiceManager services, RemotePeers? remote)
    {
        _endpoints = endpoints;
        _services = services;
        _remote = remote;
    }

    /// <summary>
    /// Subscribes and synchronizes once right away. With <paramref name="remote"/> (kvstore mode) the
    /// other nodes' pods are backends too, re-selected whenever the cluster's ipcache changes.
    /// </summary>
    public static ServiceEndpointSync Attach(EndpointManager endpoints, ServiceManager services, RemotePeers? remote = null)
    {
        var sync = new ServiceEndpointSync(endpoints, services, remote);
        endpoints.Changed += sync.Sync;
        if (remote is not null)
        {
            remote.Changed += sync.QueueSync;
        }
        sync.Sync();
        return sync;
    }

    /// <summary>
    /// A remote pod changed: re-select on the thread pool, not on the kvstore watch (which writes the
    /// ipcache BPF map right after). Coalesced: one queued sync reads whatever is current when it runs.
    /// </summary>
    private void QueueSync()
    {
        if (Interlocked.Exchange(ref _remoteSyncQueued, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self =>
            {
                Volatile.Write(ref self._remoteSyncQueued, 0);
                self.Sync();
            }, this, preferLocal: false);
        }
    }

    /// <summary>Recomputes from the current endpoint list (idempotent; serialized).</summary>
    public void Sync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            var list = _endpoints.List();
            var current = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var endpoint in list)
            {
                if (!string.IsNullOrEmpty(endpoint.Netns))
                {
                    current[endpoint.Netns] = endpoint.Namespace;
                }
            }
            foreach (var (netns, podNamespace) in current)
            {
                if (!_netns.TryGetValue(netns, out var known) || known != podNamespace)
                {
                    _services.AddPodNetns(netns, podNamespace);
                }
            }
            foreach (var netns in _netns.Keys)
            {
                if (!current.ContainsKey(netns))
                {
                    _services.RemovePodNetns(netns);
                }
            }
            _netns.Clear();
            foreach (var (k, v) in current)
            {
                _netns[k] = v;
            }
            var backends = ToBackends(list);
            if (_remote is not null)
            {
                AddRemote(backends, _remote.All);
            }
            _services.OnEndpointsChanged(backends);
        }
    }

    /// <summary>Endpoint models as the manager's (id, namespace, labels, ip) tuples; endpoints without IPv4 are skipped.</summary>
    internal static List<(uint Id, string Namespace, IReadOnlyDictionary<string, string> Labels, IPAddress Ip)> ToBackends(IReadOnlyList<EndpointModel> endpoints)
    {
        var result = new List<(uint, string, IReadOnlyDictionary<string, string>, IPAddress)>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            if (!IPAddress.TryParse(endpoint.Ipv4, out var ip))
            {
                continue;
            }
            result.Add(((uint)endpoint.Id, endpoint.Namespace, ParseLabels(endpoint.Labels), ip));
        }
        return result;
    }

    /// <summary>
    /// The other nodes' pods (from the kvstore ipcache, with their identity's labels) as backends
    /// with endpoint id 0 (not this node's endpoints); rows without a pod namespace (not pods) are skipped.
    /// </summary>
    internal static void AddRemote(List<(uint Id, string Namespace, IReadOnlyDictionary<string, string> Labels, IPAddress Ip)> backends, IReadOnlyDictionary<IPAddress, Proxy.PeerInfo> remote)
    {
        foreach (var (ip, peer) in remote)
        {
            if (peer.Namespace is { Length: > 0 } ns && peer.Labels.Count > 0)
            {
                backends.Add((0, ns, ParseLabels(peer.Labels), ip));
            }
        }
    }

    private static Dictionary<string, string> ParseLabels(IEnumerable<string> source)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in source)
        {
            var eq = label.IndexOf('=', StringComparison.Ordinal);
            labels[eq < 0 ? label : label[..eq]] = eq < 0 ? "" : label[(eq + 1)..];
        }
        return labels;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }
        _endpoints.Changed -= Sync;
        if (_remote is not null)
        {
            _remote.Changed -= QueueSync;
        }
    }
}
