using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.KvStore.Etcd;
using CiliumL7.Agent.KvStore.Etcd.Wire;
using CiliumL7.Agent.Logging;
using CiliumL7.Agent.Node;
using CiliumL7.Client.Models;
using CiliumL7.Policy.Identity;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.KvStore;

/// <summary>
/// The node's side of the cluster state in etcd:
/// <code>
///  connect ─► lease (grant, or keep the one still alive) ─► register the node ─► re-write identity
///     ▲        references ─► identities for endpoints that waited ─► publish local pod IPs (stale ones removed)
///     │      then, concurrently until one fails:
///     │        keep-alive + health probe · watch id/ (identity cache) · watch ip/ (remote pod IPs →
///     │        ipcache BPF map) · watch nodes/ (routes to their pod CIDRs) · publish on endpoint changes · identity GC
///     └──── any failure: status Failure, NOTHING is flushed (datapath keeps the last known state); retry
/// </code>
/// Each watch starts with a full listing and applies it as a diff (entries gone
/// while disconnected are removed), then follows from the listing's revision.
/// </summary>
internal sealed class KvStoreSync : IAsyncDisposable
{
    private const string LeaseFile = "kvstore-lease";

    private readonly AgentOptions _options;
    private readonly EtcdClient _etcd;
    private readonly EtcdIdentityAllocator _identities;
    private readonly EndpointManager _endpoints;
    private readonly INodeDatapath _datapath;
    private readonly ILogger _logger;
    private readonly IPAddress? _nodeIp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<bool> _publish = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NodeRecord> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, IpcacheRecord> _remote = [];
    private readonly Dictionary<string, string> _published = new(StringComparer.Ordinal);
    private Task? _loop;
    private long _lease;
    private string _state = "Connecting";
    private string _message = "connecting";

    private readonly L7.RemotePeers? _proxyPeers;

    public KvStoreSync(AgentOptions options, EtcdClient etcd, EtcdIdentityAllocator identities, EndpointManager endpoints, INodeDatapath datapath, ILogger logger, L7.RemotePeers? proxyPeers = null)
    {
        _proxyPeers = proxyPeers;
        _options = options;
        _etcd = etcd;
        _identities = identities;
        _endpoints = endpoints;
        _datapath = datapath;
        _logger = logger;
        _nodeIp = options.NodeIpv4 ?? DetectNodeIp();
        _lease = ReadLease(options.StateDir);
    }

    /// <summary>The current lease (0 before the first connect).</summary>
    public long Lease => Interlocked.Read(ref _lease);

    /// <summary>Raised when the membership changed (a node joined, left or changed).</summary>
    public event Action? NodesChanged;

    public void Start()
    {
        AttachUplink();
        _endpoints.Changed += () => _publish.Writer.TryWrite(true);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The <c>KVStore:</c> line of <c>status</c>.</summary>
    public KvStoreStatusModel Status()
    {
        lock (_lock)
        {
            return new KvStoreStatusModel
            {
                State = _state,
                Endpoint = string.Join(",", _etcd.Endpoints.Select(e => e.ToString().TrimEnd('/'))),
                Cluster = _options.ClusterName,
                Message = _message,
                Nodes = Math.Max(_nodes.Count, 1),
                RemoteIps = _remote.Count,
            };
        }
    }

    /// <summary>Every node known from the kvstore (this one always included).</summary>
    public List<NodeModel> Nodes()
    {
        lock (_lock)
        {
            var list = _nodes.Values.Select(n => ToModel(n, n.Name == _options.NodeName)).ToList();
            if (!_nodes.ContainsKey(_options.NodeName))
            {
                list.Add(ToModel(SelfRecord(), true));
            }
            return [.. list.OrderBy(n => n.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Revokes the node's lease: its registration, ipcache entries and identity references are deleted at once (a node leaving the cluster).</summary>
    public static async Task<bool> RevokeAsync(IReadOnlyList<Uri> addresses, string stateDir)
    {
        var lease = ReadLease(stateDir);
        if (lease == 0)
        {
            return false;
        }
        using var etcd = new EtcdClient(addresses);
        await etcd.RevokeLeaseAsync(lease).ConfigureAwait(false);
        File.Delete(Path.Combine(stateDir, LeaseFile));
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
            }
        }
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!_stop.IsCancellationRequested)
        {
            using var session = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var tasks = new List<Task>();
            try
            {
                await ConnectAsync(session.Token).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(250);
                tasks.Add(KeepAliveLoopAsync(session.Token));
                tasks.Add(WatchAsync(KvStoreKeys.IdPrefix, _identities.ApplyListing, _identities.ApplyEvents, session.Token));
                tasks.Add(WatchAsync(KvStoreKeys.IpPrefix(_options.ClusterName), ApplyIpListing, ApplyIpEvents, session.Token));
                tasks.Add(WatchAsync(KvStoreKeys.NodesPrefix(_options.ClusterName), ApplyNodeListing, ApplyNodeEvents, session.Token));
                tasks.Add(PublishLoopAsync(session.Token));
                if (_options.IdentityGcInterval > TimeSpan.Zero)
                {
                    tasks.Add(GcLoopAsync(session.Token));
                }
                var failed = await Task.WhenAny(tasks).ConfigureAwait(false);
                await failed.ConfigureAwait(false);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                SetState("Failure", "etcd unreachable: " + Reason(e));
                Log.KvStoreUnreachable(_logger, _etcd.Endpoint.ToString(), Reason(e));
            }
            catch (OperationCanceledException)
            {
            }
            await session.CancelAsync().ConfigureAwait(false);
            foreach (var t in tasks)
            {
                try
                {
                    await t.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // the session is over; its first failure was reported above
                }
            }
            try
            {
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        // :: Step 1: etcd answers; keep the lease if it is still alive (a restart), else a new one.
        var version = await _etcd.StatusAsync(ct).ConfigureAwait(false);
        var lease = Lease;
        if (lease == 0 || !await _etcd.KeepAliveOnceAsync(lease, ct).ConfigureAwait(false))
        {
            lease = await _etcd.GrantLeaseAsync(_options.KvStoreLeaseTtl, ct).ConfigureAwait(false);
            Interlocked.Exchange(ref _lease, lease);
            WriteLease(_options.StateDir, lease);
        }

        // :: Step 2: this node's registration.
        await _etcd.PutAsync(KvStoreKeys.NodesPrefix(_options.ClusterName) + _options.NodeName, JsonSerializer.Serialize(SelfRecord(), KvStoreJsonContext.Default.NodeRecord), lease, ct).ConfigureAwait(false);

        // :: Step 3: identity references under the lease; endpoints created while etcd was away get theirs.
        await _identities.ResyncAsync(ct).ConfigureAwait(false);
        foreach (var endpoint in _endpoints.RetryPendingIdentities())
        {
            try
            {
                _datapath.UpsertEndpoint(endpoint);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.KvStoreProblem(_logger, $"identity of endpoint {endpoint.Id} into the datapath", e.Message);
            }
        }

        // :: Step 4: local pod IPs (our stale entries removed).
        lock (_lock)
        {
            _published.Clear();
        }
        await PublishAsync(full: true, ct).ConfigureAwait(false);
        SetState("Ok", $"etcd {version}, lease {lease:x} (TTL {(int)_options.KvStoreLeaseTtl.TotalSeconds}s), node {_options.NodeName} at {_nodeIp?.ToString() ?? "?"}");
        Log.KvStoreConnected(_logger, _etcd.Endpoint.ToString(), version, lease, _options.ClusterName, _options.NodeName, _nodeIp?.ToString() ?? "(no address)");
    }

    private async Task KeepAliveLoopAsync(CancellationToken ct)
    {
        var interval = TimeSpan.FromSeconds(Math.Clamp(_options.KvStoreLeaseTtl.TotalSeconds / 3, 0.5, 2));
        while (true)
        {
            await Task.Delay(interval, ct).ConfigureAwait(false);
            if (!await _etcd.KeepAliveOnceAsync(Lease, ct).ConfigureAwait(false))
            {
                throw new KvStoreUnavailableException($"etcd {_etcd.Endpoint}: lease {Lease:x} expired; registering again");
            }
        }
    }

    private async Task WatchAsync(string prefix, Action<IReadOnlyList<KeyValue>> onListing, Action<IReadOnlyList<Event>> onEvents, CancellationToken ct)
    {
        var (kvs, revision) = await _etcd.GetPrefixAsync(prefix, ct: ct).ConfigureAwait(false);
        onListing(kvs);
        await foreach (var response in _etcd.WatchPrefixAsync(prefix, revision + 1, ct).ConfigureAwait(false))
        {
            if (response.Events.Count > 0)
            {
                onEvents(response.Events);
            }
        }
    }

    private async Task PublishLoopAsync(CancellationToken ct)
    {
        while (await _publish.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            _publish.Reader.TryRead(out _);
            await PublishAsync(full: false, ct).ConfigureAwait(false);
        }
    }

    private async Task GcLoopAsync(CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(_options.IdentityGcInterval, ct).ConfigureAwait(false);
            var deleted = await _identities.CollectGarbageAsync(ct).ConfigureAwait(false);
            if (deleted > 0)
            {
                Log.KvStoreIdentityGc(_logger, deleted);
            }
        }
    }

    /// <summary>Makes the node's ipcache keys in etcd exactly its endpoints with an identity.</summary>
    private async Task PublishAsync(bool full, CancellationToken ct)
    {
        var prefix = KvStoreKeys.IpPrefix(_options.ClusterName);
        var desired = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in _endpoints.List())
        {
            if (e.Ipv4 is null || e.Identity == ReservedIdentity.Init)
            {
                continue;
            }
            var record = new IpcacheRecord { IP = e.Ipv4, HostIP = _nodeIp?.ToString(), ID = e.Identity, K8sNamespace = e.Namespace, K8sPodName = e.Name, NodeName = _options.NodeName };
            desired[e.Ipv4] = JsonSerializer.Serialize(record, KvStoreJsonContext.Default.IpcacheRecord);
        }
        Dictionary<string, string> published;
        lock (_lock)
        {
            published = new Dictionary<string, string>(_published, StringComparer.Ordinal);
        }
        if (full)
        {
            var (kvs, _) = await _etcd.GetPrefixAsync(prefix, ct: ct).ConfigureAwait(false);
            foreach (var kv in kvs)
            {
                var record = ParseIp(kv.Value.ToStringUtf8());
                if (record?.NodeName == _options.NodeName)
                {
                    published[kv.Key.ToStringUtf8()[prefix.Length..]] = "";
                }
            }
        }
        foreach (var (ip, json) in desired)
        {
            if (!published.TryGetValue(ip, out var old) || old != json)
            {
                await _etcd.PutAsync(prefix + ip, json, Lease, ct).ConfigureAwait(false);
                published[ip] = json;
            }
        }
        foreach (var ip in published.Keys.Where(ip => !desired.ContainsKey(ip)).ToList())
        {
            await _etcd.DeleteAsync(prefix + ip, ct).ConfigureAwait(false);
            published.Remove(ip);
        }
        lock (_lock)
        {
            _published.Clear();
            foreach (var (ip, json) in published)
            {
                _published[ip] = json;
            }
        }
    }

    private void ApplyIpListing(IReadOnlyList<KeyValue> kvs)
    {
        var listed = new Dictionary<IPAddress, IpcacheRecord>();
        foreach (var kv in kvs)
        {
            if (ParseRemote(kv) is { } row)
            {
                listed[row.Ip] = row.Record;
            }
        }
        List<IPAddress> stale;
        lock (_lock)
        {
            stale = [.. _remote.Keys.Where(ip => !listed.ContainsKey(ip))];
        }
        ApplyRemote(listed, stale);
    }

    private void ApplyIpEvents(IReadOnlyList<Event> events)
    {
        var prefix = KvStoreKeys.IpPrefix(_options.ClusterName);
        var upserts = new Dictionary<IPAddress, IpcacheRecord>();
        var removals = new List<IPAddress>();
        foreach (var ev in events)
        {
            if (ev.Type == Event.Types.EventType.Put)
            {
                if (ParseRemote(ev.Kv) is { } row)
                {
                    upserts[row.Ip] = row.Record;
                    removals.Remove(row.Ip);
                }
            }
            else if (IPAddress.TryParse(ev.Kv.Key.ToStringUtf8().AsSpan(prefix.Length), out var ip))
            {
                upserts.Remove(ip);
                removals.Add(ip);
            }
        }
        ApplyRemote(upserts, removals);
    }

    private (IPAddress Ip, IpcacheRecord Record)? ParseRemote(KeyValue kv)
    {
        var record = ParseIp(kv.Value.ToStringUtf8());
        if (record is null || record.NodeName == _options.NodeName || !IPAddress.TryParse(record.IP, out var ip)
            || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || record.ID is <= 0 or > uint.MaxValue)
        {
            return null;
        }
        return (ip, record);
    }

    /// <summary>Updates the remote rows: the proxy's view first, then the ipcache BPF map (eBPF judges with the map and hands L7 to the proxy, which must already know the peer).</summary>
    private void ApplyRemote(IReadOnlyDictionary<IPAddress, IpcacheRecord> upserts, IReadOnlyList<IPAddress> removals)
    {
        var changed = new List<(IPAddress Ip, IpcacheRecord Record)>();
        var removed = new List<IPAddress>();
        lock (_lock)
        {
            foreach (var (ip, record) in upserts)
            {
                if (!_remote.TryGetValue(ip, out var old) || old != record)
                {
                    _remote[ip] = record;
                    changed.Add((ip, record));
                }
            }
            foreach (var ip in removals)
            {
                if (_remote.Remove(ip))
                {
                    removed.Add(ip);
                }
            }
        }
        if (changed.Count == 0 && removed.Count == 0)
        {
            return;
        }
        if (changed.Count > 0)
        {
            RefreshProxyPeers();
        }
        foreach (var (ip, record) in changed)
        {
            try
            {
                _datapath.UpsertRemoteIp(ip, (uint)record.ID);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.KvStoreProblem(_logger, $"ipcache entry {ip} → {record.ID}", e.Message);
            }
        }
        foreach (var ip in removed)
        {
            try
            {
                _datapath.RemoveRemoteIp(ip);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.KvStoreProblem(_logger, $"removing ipcache entry {ip}", e.Message);
            }
        }
        if (removed.Count > 0)
        {
            RefreshProxyPeers();
        }
    }

    /// <summary>The proxy judges a request by its peer's identity: it gets the same remote rows as the ipcache map, before the map (a packet redirected to the proxy was judged by eBPF with the map).</summary>
    private void RefreshProxyPeers()
    {
        if (_proxyPeers is null)
        {
            return;
        }
        List<KeyValuePair<IPAddress, Proxy.PeerInfo>> rows;
        lock (_lock)
        {
            rows = new(_remote.Count);
            foreach (var (ip, r) in _remote)
            {
                var labels = _identities.TryGetLabels((uint)r.ID, out var set) ? set.ToStrings() : [];
                rows.Add(new(ip, new Proxy.PeerInfo((uint)r.ID, 0, r.K8sNamespace, r.K8sPodName, labels)));
            }
        }
        _proxyPeers.Replace(rows);
    }

    private void ApplyNodeListing(IReadOnlyList<KeyValue> kvs)
    {
        var records = kvs.Select(kv => ParseNode(kv.Value.ToStringUtf8())).OfType<NodeRecord>().ToList();
        List<NodeRecord> gone;
        lock (_lock)
        {
            gone = [.. _nodes.Values.Where(n => records.All(r => r.Name != n.Name))];
        }
        foreach (var node in gone)
        {
            RemoveNode(node.Name);
        }
        foreach (var record in records)
        {
            UpsertNode(record);
        }
        NodesChanged?.Invoke();
    }

    private void ApplyNodeEvents(IReadOnlyList<Event> events)
    {
        var prefix = KvStoreKeys.NodesPrefix(_options.ClusterName);
        foreach (var ev in events)
        {
            if (ev.Type == Event.Types.EventType.Put)
            {
                if (ParseNode(ev.Kv.Value.ToStringUtf8()) is { } record)
                {
                    UpsertNode(record);
                }
            }
            else
            {
                RemoveNode(ev.Kv.Key.ToStringUtf8()[prefix.Length..]);
            }
        }
        NodesChanged?.Invoke();
    }

    private void UpsertNode(NodeRecord record)
    {
        NodeRecord? old;
        lock (_lock)
        {
            _nodes.TryGetValue(record.Name, out old);
            _nodes[record.Name] = record;
        }
        if (record.Name == _options.NodeName)
        {
            return;
        }
        if (old is not null && (old.IPv4AllocCIDR != record.IPv4AllocCIDR || old.InternalIp != record.InternalIp))
        {
            DeleteRoute(old);
        }
        if (old is null || old.IPv4AllocCIDR != record.IPv4AllocCIDR || old.InternalIp != record.InternalIp)
        {
            if (record.IPv4AllocCIDR is { } cidr && record.InternalIp is { } via)
            {
                var (code, _, stderr) = CommandRunner.Run("ip", "route", "replace", cidr, "via", via);
                if (code != 0)
                {
                    Log.KvStoreProblem(_logger, $"route to node {record.Name}'s pod CIDR {cidr} via {via}", stderr);
                }
            }
            Log.KvStoreNodeJoined(_logger, record.Name, record.InternalIp ?? "?", record.IPv4AllocCIDR ?? "?");
        }
    }

    private void RemoveNode(string name)
    {
        NodeRecord? old;
        lock (_lock)
        {
            if (!_nodes.Remove(name, out old))
            {
                return;
            }
        }
        if (name != _options.NodeName)
        {
            DeleteRoute(old);
            Log.KvStoreNodeLeft(_logger, name);
        }
    }

    private static void DeleteRoute(NodeRecord node)
    {
        if (node.IPv4AllocCIDR is { } cidr && node.InternalIp is { } via)
        {
            CommandRunner.Run("ip", "route", "del", cidr, "via", via);
        }
    }

    private NodeRecord SelfRecord() => new()
    {
        Name = _options.NodeName,
        Cluster = _options.ClusterName,
        ClusterID = _options.ClusterId,
        IPAddresses = _nodeIp is null ? [] : [new NodeAddressRecord("InternalIP", _nodeIp.ToString())],
        IPv4AllocCIDR = _endpoints.PodCidr.ToString(),
        HubbleAddress = HubbleAddressOf(_options.HubbleListenAddress),
        AgentSocket = _options.SocketPath,
        Health = "Ok",
    };

    /// <summary>
    /// Where other nodes and a relay reach this node's Observer: its TCP address when it
    /// listens beyond loopback (":4244" = the node's address), else the unix socket next
    /// to the agent's (nodes on one host share the filesystem, not loopback).
    /// </summary>
    private string HubbleAddressOf(IPEndPoint? endPoint)
    {
        if (endPoint is null || IPAddress.IsLoopback(endPoint.Address))
        {
            return "unix://" + Hubble.Server.HubbleServerOptions.SocketPathIn(_options.StateDir);
        }
        return endPoint.Address.Equals(IPAddress.Any) && _nodeIp is not null ? new IPEndPoint(_nodeIp, endPoint.Port).ToString() : endPoint.ToString();
    }

    private NodeModel ToModel(NodeRecord n, bool local) => new()
    {
        Name = n.Name,
        Cluster = n.Cluster,
        ClusterId = n.ClusterID,
        Ipv4 = n.InternalIp,
        PodCidr = n.IPv4AllocCIDR,
        HubbleAddress = n.HubbleAddress,
        AgentSocket = n.AgentSocket,
        Health = n.Health,
        Local = local,
    };

    private void SetState(string state, string message)
    {
        lock (_lock)
        {
            _state = state;
            _message = message;
        }
    }

    private static IpcacheRecord? ParseIp(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, KvStoreJsonContext.Default.IpcacheRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static NodeRecord? ParseNode(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, KvStoreJsonContext.Default.NodeRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Reason(Exception e) => e is KvStoreUnavailableException or KvStoreCompactedException ? e.Message : e.GetType().Name + ": " + e.Message;

    private static long ReadLease(string stateDir)
    {
        var path = Path.Combine(stateDir, LeaseFile);
        return File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var lease) ? lease : 0;
    }

    private static void WriteLease(string stateDir, long lease)
    {
        var path = Path.Combine(stateDir, LeaseFile);
        File.WriteAllText(path + ".tmp", lease.ToString(CultureInfo.InvariantCulture));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>from-netdev on the device that holds the node's address (the underlay).</summary>
    private void AttachUplink()
    {
        if (_nodeIp is null)
        {
            return;
        }
        var (code, stdout, _) = CommandRunner.Run("ip", "-4", "-o", "addr", "show");
        foreach (var line in code == 0 ? stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries) : [])
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var inet = Array.IndexOf(parts, "inet");
            if (inet > 0 && inet + 1 < parts.Length && parts[inet + 1].Split('/')[0] == _nodeIp.ToString())
            {
                var device = parts[1].Split('@')[0];
                try
                {
                    // "N: dev inet …": the index from ip itself (/sys may be another netns's sysfs)
                    var ifindex = int.Parse(parts[0].TrimEnd(':'), CultureInfo.InvariantCulture);
                    _datapath.AttachUplink(ifindex);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.KvStoreProblem(_logger, $"attaching from-netdev to {device} (replies from other nodes to the proxy will be dropped)", e.Message);
                }
                return;
            }
        }
        Log.KvStoreProblem(_logger, "finding the node's uplink", $"no device holds {_nodeIp}");
    }

    /// <summary>The first global IPv4 address on an interface that is not a pod's veth.</summary>
    private static IPAddress? DetectNodeIp()
    {
        var (code, stdout, _) = CommandRunner.Run("ip", "-4", "-o", "addr", "show", "scope", "global");
        if (code != 0)
        {
            return null;
        }
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var inet = Array.IndexOf(parts, "inet");
            if (parts.Length > 3 && !parts[1].StartsWith("lxc", StringComparison.Ordinal) && inet > 0 && inet + 1 < parts.Length
                && IPAddress.TryParse(parts[inet + 1].Split('/')[0], out var ip))
            {
                return ip;
            }
        }
        return null;
    }
}
