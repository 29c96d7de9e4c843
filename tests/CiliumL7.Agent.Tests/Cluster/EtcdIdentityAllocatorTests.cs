using CiliumL7.Agent.KvStore;
using CiliumL7.Agent.KvStore.Etcd;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Agent.Tests.Cluster;

/// <summary>
/// Cluster-wide identities against a real etcd (Debian's etcd-server on
/// 127.0.0.1, a free port, data in a temp dir): Cilium's key layout, the same
/// number on every node, races, and lease-based garbage collection.
/// </summary>
public sealed class EtcdIdentityAllocatorTests
{
    private static readonly LabelSet Empire = LabelSet.Parse("k8s:org=empire;k8s:class=tiefighter;k8s:io.kubernetes.pod.namespace=default");
    private static readonly LabelSet Alliance = LabelSet.Parse("k8s:org=alliance;k8s:class=xwing;k8s:io.kubernetes.pod.namespace=default");

    private sealed class Node(EtcdClient etcd, string name, long lease) : IDisposable
    {
        public EtcdIdentityAllocator Allocator { get; } = new(etcd, name, () => lease);

        public long Lease => lease;

        public void Dispose() => etcd.Dispose();
    }

    private static async Task<Node> NodeAsync(EtcdServer etcd, string name)
    {
        var client = new EtcdClient(etcd.ClientUrl);
        var lease = await client.GrantLeaseAsync(TimeSpan.FromSeconds(60));
        return new Node(client, name, lease);
    }

    [Fact]
    public async Task GetOrAllocate_SameLabelsOnTwoNodes_SameNumberInCiliumLayout()
    {
        using var etcd = await EtcdServer.StartLocalAsync();
        using var a = await NodeAsync(etcd, "node-a");
        using var b = await NodeAsync(etcd, "node-b");

        var idA = a.Allocator.GetOrAllocate(Empire);
        var idB = b.Allocator.GetOrAllocate(Empire);
        var other = b.Allocator.GetOrAllocate(Alliance);

        Assert.Equal(idA, idB);
        Assert.InRange(idA, 256u, 0xFFFFFFu);
        Assert.NotEqual(idA, other);
        const string LabelKey = "k8s:class=tiefighter;k8s:io.kubernetes.pod.namespace=default;k8s:org=empire;";
        Assert.Equal(LabelKey, Get(etcd, $"cilium/state/identities/v1/id/{idA}"));
        Assert.Equal(idA.ToString(System.Globalization.CultureInfo.InvariantCulture), Get(etcd, $"cilium/state/identities/v1/value/{LabelKey}/node-a"));
        Assert.Equal(idA.ToString(System.Globalization.CultureInfo.InvariantCulture), Get(etcd, $"cilium/state/identities/v1/value/{LabelKey}/node-b"));
        Assert.True(a.Allocator.TryGetLabels(idA, out var labels));
        Assert.Equal(Empire, labels);
    }

    [Fact]
    public async Task GetOrAllocate_TwoNodesRacingOnNewLabels_AllGetOneNumber()
    {
        using var etcd = await EtcdServer.StartLocalAsync();
        using var a = await NodeAsync(etcd, "node-a");
        using var b = await NodeAsync(etcd, "node-b");
        var sets = Enumerable.Range(0, 8).Select(i => LabelSet.Parse($"k8s:app=race{i};k8s:io.kubernetes.pod.namespace=default")).ToList();

        // Dedicated threads, as two agents' API handlers would be (the calls block on etcd).
        static Task<(LabelSet Set, uint Id)> Racer(EtcdIdentityAllocator allocator, LabelSet set) =>
            Task.Factory.StartNew(() => (set, allocator.GetOrAllocate(set)), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var results = await Task.WhenAll(sets.SelectMany(s => new[] { Racer(a.Allocator, s), Racer(b.Allocator, s) }));

        foreach (var group in results.GroupBy(r => r.Set))
        {
            Assert.Single(group.Select(r => r.Id).Distinct());
        }
        Assert.Equal(sets.Count, results.Select(r => r.Id).Distinct().Count());
        var masters = etcd.Ctl("get", "--prefix", "--keys-only", "cilium/state/identities/v1/id/").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(sets.Count, masters.Length);
    }

    [Fact]
    public async Task CollectGarbage_LeaseRevoked_DeletesOnlyUnreferencedIdentities()
    {
        using var etcd = await EtcdServer.StartLocalAsync();
        using var a = await NodeAsync(etcd, "node-a");
        using var b = await NodeAsync(etcd, "node-b");
        var shared = a.Allocator.GetOrAllocate(Empire);
        b.Allocator.GetOrAllocate(Empire);
        var onlyA = a.Allocator.GetOrAllocate(Alliance);

        Assert.Equal(0, await b.Allocator.CollectGarbageAsync(CancellationToken.None));
        using (var admin = new EtcdClient(etcd.ClientUrl))
        {
            await admin.RevokeLeaseAsync(a.Lease); // node-a is gone: its references vanish with its lease
        }
        var deleted = await b.Allocator.CollectGarbageAsync(CancellationToken.None);

        Assert.Equal(1, deleted);
        Assert.Equal("", Get(etcd, $"cilium/state/identities/v1/id/{onlyA}"));
        Assert.NotEqual("", Get(etcd, $"cilium/state/identities/v1/id/{shared}"));
    }

    [Fact]
    public async Task Release_LastLocalUser_DeletesThisNodesReferenceOnly()
    {
        using var etcd = await EtcdServer.StartLocalAsync();
        using var a = await NodeAsync(etcd, "node-a");
        var id = a.Allocator.GetOrAllocate(Empire);
        a.Allocator.GetOrAllocate(Empire);

        Assert.True(a.Allocator.Release(id));
        var afterOne = etcd.Ctl("get", "--prefix", "--keys-only", "cilium/state/identities/v1/value/").Stdout;
        Assert.True(a.Allocator.Release(id));
        var afterTwo = etcd.Ctl("get", "--prefix", "--keys-only", "cilium/state/identities/v1/value/").Stdout;

        Assert.Contains("/node-a", afterOne, StringComparison.Ordinal);
        Assert.DoesNotContain("/node-a", afterTwo, StringComparison.Ordinal);
        Assert.NotEqual("", Get(etcd, $"cilium/state/identities/v1/id/{id}")); // the master stays until a GC
    }

    [Fact]
    public async Task GetOrAllocate_EtcdDownAndLabelsNew_ThrowsUnavailable_KnownLabelsStillWork()
    {
        using var etcd = await EtcdServer.StartLocalAsync();
        using var a = await NodeAsync(etcd, "node-a");
        var id = a.Allocator.GetOrAllocate(Empire);
        a.Allocator.Release(id);
        etcd.Stop();

        Assert.Equal(id, a.Allocator.GetOrAllocate(Empire));
        Assert.Throws<KvStoreUnavailableException>(() => a.Allocator.GetOrAllocate(Alliance));
    }

    private static string Get(EtcdServer etcd, string key)
    {
        var r = etcd.Ctl("get", "--print-value-only", key);
        Assert.True(r.ExitCode == 0, r.All);
        return r.Stdout.TrimEnd('\n');
    }
}
