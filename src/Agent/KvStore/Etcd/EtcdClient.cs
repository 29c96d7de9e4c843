using System.Net;
using System.Runtime.CompilerServices;
using CiliumL7.Agent.KvStore.Etcd.Wire;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace CiliumL7.Agent.KvStore.Etcd;

/// <summary>
/// A small etcd v3 client over our own subset of etcd's gRPC API
/// (<c>KvStore/Protos/etcd</c>): ranges, puts, deletes, transactions, watches,
/// leases and the member status. Every unary call has a deadline; a failure
/// surfaces as <see cref="KvStoreUnavailableException"/> naming the endpoint.
/// </summary>
internal sealed class EtcdClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;
    private readonly Wire.Watch.WatchClient _watch;
    private readonly Lease.LeaseClient _lease;
    private readonly Maintenance.MaintenanceClient _maintenance;

    public EtcdClient(Uri endpoint, TimeSpan? callTimeout = null)
        : this([endpoint], callTimeout)
    {
    }

    /// <summary>
    /// A client of the etcd members at <paramref name="endpoints"/>: one connection, to the first
    /// member that answers (gRPC's pick_first over a static address list); when that member goes
    /// away the next call connects to another, so losing a member of a quorum is not an outage.
    /// </summary>
    public EtcdClient(IReadOnlyList<Uri> endpoints, TimeSpan? callTimeout = null)
    {
        Endpoint = endpoints[0];
        Endpoints = endpoints;
        CallTimeout = callTimeout ?? TimeSpan.FromSeconds(5);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
            UseProxy = false,
        };
        var options = new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 << 20 };
        if (endpoints.Count == 1)
        {
            _channel = GrpcChannel.ForAddress(endpoints[0], options);
        }
        else
        {
            var addresses = endpoints.Select(u => new Grpc.Net.Client.Balancer.BalancerAddress(u.Host, u.Port)).ToArray();
            var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<Grpc.Net.Client.Balancer.ResolverFactory>(
                services, new Grpc.Net.Client.Balancer.StaticResolverFactory(_ => addresses));
            options.ServiceProvider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
            options.Credentials = Grpc.Core.ChannelCredentials.Insecure;
            _channel = GrpcChannel.ForAddress("static:///etcd", options);
        }
        _kv = new KV.KVClient(_channel);
        _watch = new Wire.Watch.WatchClient(_channel);
        _lease = new Lease.LeaseClient(_channel);
        _maintenance = new Maintenance.MaintenanceClient(_channel);
    }

    /// <summary>Every member's client URL.</summary>
    public IReadOnlyList<Uri> Endpoints { get; }

    /// <summary>The (first) etcd client URL (e.g. http://127.0.0.1:2379).</summary>
    public Uri Endpoint { get; }

    public TimeSpan CallTimeout { get; }

    /// <summary>Every key under <paramref name="prefix"/> and the store revision they were read at.</summary>
    public async Task<(IReadOnlyList<KeyValue> Kvs, long Revision)> GetPrefixAsync(string prefix, bool keysOnly = false, CancellationToken ct = default)
    {
        var response = await Call(() => _kv.RangeAsync(new RangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix), KeysOnly = keysOnly }, Deadline(ct))).ConfigureAwait(false);
        return (response.Kvs, response.Header.Revision);
    }

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public async Task<KeyValue?> GetAsync(string key, CancellationToken ct = default)
    {
        var response = await Call(() => _kv.RangeAsync(new RangeRequest { Key = Bytes(key) }, Deadline(ct))).ConfigureAwait(false);
        return response.Kvs.Count > 0 ? response.Kvs[0] : null;
    }

    /// <summary>Sets <paramref name="key"/> (attached to <paramref name="lease"/> unless 0).</summary>
    public Task PutAsync(string key, string value, long lease = 0, CancellationToken ct = default) =>
        Call(() => _kv.PutAsync(new PutRequest { Key = Bytes(key), Value = Bytes(value), Lease = lease }, Deadline(ct)));

    /// <summary>Deletes <paramref name="key"/>; the number of keys deleted.</summary>
    public async Task<long> DeleteAsync(string key, CancellationToken ct = default) =>
        (await Call(() => _kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(key) }, Deadline(ct))).ConfigureAwait(false)).Deleted;

    /// <summary>Deletes every key under <paramref name="prefix"/>.</summary>
    public async Task<long> DeletePrefixAsync(string prefix, CancellationToken ct = default) =>
        (await Call(() => _kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix) }, Deadline(ct))).ConfigureAwait(false)).Deleted;

    /// <summary>One transaction (compares, then the success or the failure operations).</summary>
    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken ct = default) =>
        Call(() => _kv.TxnAsync(request, Deadline(ct)));

    /// <summary>Grants a lease of <paramref name="ttl"/>; its id.</summary>
    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken ct = default)
    {
        var response = await Call(() => _lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)Math.Ceiling(ttl.TotalSeconds) }, Deadline(ct))).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(response.Error))
        {
            throw new KvStoreUnavailableException($"etcd {Endpoint}: lease grant refused: {response.Error}");
        }
        return response.ID;
    }

    /// <summary>Revokes a lease: every key attached to it is deleted.</summary>
    public Task RevokeLeaseAsync(long lease, CancellationToken ct = default) =>
        Call(() => _lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, Deadline(ct)));

    /// <summary>Refreshes a lease once; false when the lease no longer exists (TTL 0).</summary>
    public async Task<bool> KeepAliveOnceAsync(long lease, CancellationToken ct = default)
    {
        try
        {
            using var call = _lease.LeaseKeepAlive(Deadline(ct));
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, ct).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                throw new KvStoreUnavailableException($"etcd {Endpoint}: lease keep-alive got no answer");
            }
            return call.ResponseStream.Current.TTL > 0;
        }
        catch (RpcException e)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>The member's version (a health probe).</summary>
    public async Task<string> StatusAsync(CancellationToken ct = default) =>
        (await Call(() => _maintenance.StatusAsync(new StatusRequest(), Deadline(ct))).ConfigureAwait(false)).Version;

    /// <summary>
    /// Watches every key under <paramref name="prefix"/> from <paramref name="startRevision"/>
    /// (inclusive). Ends with <see cref="KvStoreUnavailableException"/> when the stream breaks,
    /// or <see cref="KvStoreCompactedException"/> when the revision was compacted away.
    /// </summary>
    public async IAsyncEnumerable<WatchResponse> WatchPrefixAsync(string prefix, long startRevision, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var call = _watch.Watch(cancellationToken: ct);
        try
        {
            await call.RequestStream.WriteAsync(new WatchRequest
            {
                CreateRequest = new WatchCreateRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix), StartRevision = startRevision },
            }, ct).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Unavailable(e);
        }
        while (true)
        {
            WatchResponse response;
            try
            {
                if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                {
                    throw new KvStoreUnavailableException($"etcd {Endpoint}: the watch on {prefix} ended");
                }
                response = call.ResponseStream.Current;
            }
            catch (RpcException e) when (!ct.IsCancellationRequested)
            {
                throw Unavailable(e);
            }
            if (response.CompactRevision > 0)
            {
                throw new KvStoreCompactedException(prefix, response.CompactRevision);
            }
            if (response.Canceled)
            {
                throw new KvStoreUnavailableException($"etcd {Endpoint}: the watch on {prefix} was cancelled: {response.CancelReason}");
            }
            yield return response;
        }
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>UTF-8 bytes of a key or value.</summary>
    public static ByteString Bytes(string s) => ByteString.CopyFromUtf8(s);

    /// <summary>The range end that selects every key starting with <paramref name="prefix"/>.</summary>
    public static ByteString PrefixEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }
        return ByteString.CopyFrom(0);
    }

    private CallOptions Deadline(CancellationToken ct) => new(deadline: DateTime.UtcNow + CallTimeout, cancellationToken: ct);

    private async Task<T> Call<T>(Func<AsyncUnaryCall<T>> call)
    {
        try
        {
            return await call().ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Unavailable(e);
        }
        catch (HttpRequestException e)
        {
            throw new KvStoreUnavailableException($"etcd {Endpoint}: {e.Message}", e);
        }
    }

    private KvStoreUnavailableException Unavailable(RpcException e) =>
        new($"etcd {Endpoint}: {e.StatusCode} ({(e.Status.Detail is { Length: > 0 } d ? d : e.Message)})", e);
}
