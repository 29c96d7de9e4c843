using System.Net;
using CiliumL7.Agent.Fqdn;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Proxy.Dns;
using Xunit;

namespace CiliumL7.Agent.Tests.Fqdn;

public sealed class FqdnManagerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ciliuml7-fqdn-").FullName;
    private readonly ManualTime _time = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FqdnManager Create(InMemoryIdentityAllocator ids, FqdnOptions? options = null) =>
        new(options ?? new FqdnOptions(), ids, Path.Combine(_dir, "fqdn.json"), _time);

    private FqdnObservation Answer(uint ep, string name, string ip, uint ttl = 30, params string[] cnames) =>
        new(ep, name, [(IPAddress.Parse(ip), ttl)], cnames, _time.Now);

    [Fact]
    public async Task LearnAsync_RepeatedAnswerWhileTheFirstIsBeingPlumbed_WaitsForIt()
    {
        var fqdn = Create(new InMemoryIdentityAllocator());
        var gate = new ManualResetEventSlim();
        fqdn.PlumbIncrementally = (_, _) => false; // only the full resolution is exact here
        fqdn.Regenerate = () => gate.Wait(TimeSpan.FromSeconds(30));
        var first = fqdn.LearnAsync(Answer(1, "api.empire.test.", "198.51.100.10"), CancellationToken.None).AsTask();
        var repeated = fqdn.LearnAsync(Answer(2, "api.empire.test.", "198.51.100.10"), CancellationToken.None).AsTask();
        var again = fqdn.LearnAsync(Answer(1, "api.empire.test.", "198.51.100.10"), CancellationToken.None);

        await Task.Delay(200);
        Assert.False(first.IsCompleted);
        Assert.False(repeated.IsCompleted); // the address is not in the maps yet: the second pod waits too
        Assert.False(again.IsCompleted);
        gate.Set();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        await repeated.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, fqdn.PlumbFailed);
    }

    [Fact]
    public async Task MayWrite_UnknownAddressThenPlumbedThenBeingPlumbed_TrueFalseTrue()
    {
        var fqdn = Create(new InMemoryIdentityAllocator());
        var gate = new ManualResetEventSlim(initialState: true);
        fqdn.PlumbIncrementally = (_, _) => false;
        fqdn.Regenerate = () => gate.Wait(TimeSpan.FromSeconds(30));
        Assert.True(fqdn.MayWrite(Answer(1, "api.empire.test.", "198.51.100.10")));

        await fqdn.LearnAsync(Answer(1, "api.empire.test.", "198.51.100.10"), CancellationToken.None);
        Assert.False(fqdn.MayWrite(Answer(1, "api.empire.test.", "198.51.100.10")));
        Assert.True(fqdn.MayWrite(new FqdnObservation(1, "api.empire.test.", [(IPAddress.Parse("198.51.100.10"), 30), (IPAddress.Parse("198.51.100.11"), 30)], [], _time.Now)));

        gate.Reset();
        var plumbing = fqdn.LearnAsync(Answer(1, "www.empire.test.", "198.51.100.12"), CancellationToken.None).AsTask();
        Assert.True(fqdn.MayWrite(Answer(2, "www.empire.test.", "198.51.100.12"))); // in flight: the answer may wait
        gate.Set();
        await plumbing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(fqdn.MayWrite(Answer(2, "www.empire.test.", "198.51.100.12")));
    }

    [Fact]
    public async Task LearnAsync_PlumbingFails_TaskFaultsAndIsCounted()
    {
        var fqdn = Create(new InMemoryIdentityAllocator());
        fqdn.PlumbIncrementally = (_, _) => throw new InvalidOperationException("map full");
        fqdn.Regenerate = () => false; // the full resolution could not write an endpoint either
        await Assert.ThrowsAsync<InvalidOperationException>(() => fqdn.LearnAsync(Answer(1, "api.empire.test.", "198.51.100.10"), CancellationToken.None).AsTask());
        Assert.Equal(1, fqdn.PlumbFailed);
    }

    [Fact]
    public async Task LearnAsync_NewName_RegeneratesBeforeCompletingAndSelectorMatches()
    {
        var ids = new InMemoryIdentityAllocator();
        var fqdn = Create(ids);
        var regenerations = 0;
        fqdn.Regenerate = () => { regenerations++; return true; };
        Assert.Empty(fqdn.Select(new FqdnSelector { MatchName = "api.empire.test" }));

        await fqdn.LearnAsync(Answer(1, "api.empire.test.", "198.51.100.10"), CancellationToken.None);

        Assert.Equal(1, regenerations);
        var id = ids.Cidrs[IPNetwork.Parse("198.51.100.10/32")];
        Assert.True(id >= ReservedIdentity.FirstLocal);
        Assert.Equal([id], fqdn.Select(new FqdnSelector { MatchName = "API.empire.test." }));
        Assert.Equal([id], fqdn.Select(new FqdnSelector { MatchPattern = "*.empire.test" }));
        Assert.Empty(fqdn.Select(new FqdnSelector { MatchPattern = "*.rebels.test" }));
        await fqdn.LearnAsync(Answer(1, "api.empire.test.", "198.51.100.10"), CancellationToken.None);
        Assert.Equal(1, regenerations); // nothing new: answered without touching the datapath
    }

    [Fact]
    public async Task LearnAsync_CnameChain_EveryNameInTheChainSelectsTheAddress()
    {
        var ids = new InMemoryIdentityAllocator();
        var fqdn = Create(ids);
        await fqdn.LearnAsync(Answer(1, "www.empire.test.", "203.0.113.7", 30, "edge.cdn.test.", "lb.cdn.test."), CancellationToken.None);
        var id = ids.Cidrs[IPNetwork.Parse("203.0.113.7/32")];
        Assert.Equal([id], fqdn.Select(new FqdnSelector { MatchName = "www.empire.test" }));
        Assert.Equal([id], fqdn.Select(new FqdnSelector { MatchName = "lb.cdn.test" }));
        Assert.Equal([id], fqdn.Select(new FqdnSelector { MatchPattern = "**.cdn.test" }));
    }

    [Fact]
    public async Task LearnAsync_Aaaa_GetsA128Identity()
    {
        var ids = new InMemoryIdentityAllocator();
        var fqdn = Create(ids);
        await fqdn.LearnAsync(Answer(1, "v6.empire.test.", "2001:db8::10"), CancellationToken.None);
        Assert.Equal([ids.Cidrs[IPNetwork.Parse("2001:db8::10/128")]], fqdn.Select(new FqdnSelector { MatchName = "v6.empire.test" }));
    }

    [Fact]
    public async Task LearnAsync_BadNamesAndNoAddresses_LearnsNothing()
    {
        var ids = new InMemoryIdentityAllocator();
        var fqdn = Create(ids);
        await fqdn.LearnAsync(Answer(1, new string('a', 300), "198.51.100.1"), CancellationToken.None);
        await fqdn.LearnAsync(Answer(1, "bad name\u0000.test.", "198.51.100.1"), CancellationToken.None);
        await fqdn.LearnAsync(new FqdnObservation(1, "empty.test.", [], [], _time.Now), CancellationToken.None);
        Assert.Equal((0, 0, 0), fqdn.Counts());
        Assert.Empty(ids.Cidrs);
    }

    [Fact]
    public async Task Collect_Expired_SelectorNoLongerMatchesButIdentityKeptWhileConnectionLives()
    {
        var ids = new InMemoryIdentityAllocator();
        var fqdn = Create(ids);
        var live = new HashSet<IPAddress> { IPAddress.Parse("198.51.100.10") };
        fqdn.ConnectionPeers = _ => live;
        var regenerations = 0;
        fqdn.Regenerate = () => { regenerations++; return true; };
        await fqdn.LearnAsync(Answer(1, "api.empire.test.", "198.51.100.10", 5), CancellationToken.None);
        var selector = new FqdnSelector { MatchName = "api.empire.test" };

        _time.Now += TimeSpan.FromSeconds(6);
        Assert.True(fqdn.Collect());
        Assert.Empty(fqdn.Select(selector)); // new connections: dropped
        Assert.True(ids.Cidrs.ContainsKey(IPNetwork.Parse("198.51.100.10/32"))); // ipcache keeps the zombie
        Assert.Equal((0, 0, 1), fqdn.Counts());
        Assert.Contains(fqdn.List(), r => r.Source == "connection" && r.Ips.Single() == "198.51.100.10");

        live.Clear(); // the last connection closed
        Assert.True(fqdn.Collect());
        Assert.False(ids.Cidrs.ContainsKey(IPNetwork.Parse("198.51.100.10/32")));
        Assert.Equal((0, 0, 0), fqdn.Counts());
        Assert.Equal(3, regenerations);
    }

    [Fact]
    public async Task Collect_ZombiesBeyondCap_OldestReleased()
    {
        var ids = new InMemoryIdentityAllocator();
        var fqdn = Create(ids, new FqdnOptions { MaxDeferredConnectionDeletes = 2 });
        var live = new HashSet<IPAddress>();
        fqdn.ConnectionPeers = _ => live;
        for (var i = 1; i <= 5; i++)
        {
            live.Add(IPAddress.Parse($"198.51.100.{i}"));
            await fqdn.LearnAsync(Answer(1, $"n{i}.test.", $"198.51.100.{i}", 1), CancellationToken.None);
        }
        _time.Now += TimeSpan.FromSeconds(2);
        fqdn.Collect();
        Assert.Equal(2, fqdn.Counts().Zombies);
    }

    [Fact]
    public async Task Restore_AfterPersist_SameNamesSelectableWithoutNewAnswer()
    {
        var ids = new InMemoryIdentityAllocator();
        var fqdn = Create(ids);
        await fqdn.LearnAsync(Answer(3, "api.empire.test.", "198.51.100.10", 300), CancellationToken.None);
        fqdn.Persist();
        var id = ids.Cidrs[IPNetwork.Parse("198.51.100.10/32")];

        var restoredIds = new InMemoryIdentityAllocator(ids.All); // identities.json restored
        var again = Create(restoredIds);
        Assert.Equal(1, again.Restore());
        Assert.Equal([id], again.Select(new FqdnSelector { MatchName = "api.empire.test" }));
        Assert.Equal("api.empire.test.", again.List().Single().Fqdn);
    }

    [Fact]
    public async Task Restore_EntryExpiredWhileDown_NotRestored()
    {
        var ids = new InMemoryIdentityAllocator();
        var fqdn = Create(ids);
        await fqdn.LearnAsync(Answer(3, "api.empire.test.", "198.51.100.10", 5), CancellationToken.None);
        fqdn.Persist();
        _time.Now += TimeSpan.FromSeconds(10);
        var again = Create(new InMemoryIdentityAllocator(ids.All));
        Assert.Equal(0, again.Restore());
        Assert.Empty(again.Select(new FqdnSelector { MatchName = "api.empire.test" }));
    }

    [Fact]
    public async Task Clean_Pattern_RemovesOnlyMatchingNames()
    {
        var fqdn = Create(new InMemoryIdentityAllocator());
        await fqdn.LearnAsync(Answer(1, "api.empire.test.", "198.51.100.10"), CancellationToken.None);
        await fqdn.LearnAsync(Answer(1, "x.rebels.test.", "198.51.100.11"), CancellationToken.None);
        Assert.Equal(1, fqdn.Clean(null, "*.rebels.test"));
        Assert.Equal("api.empire.test.", fqdn.List().Single(r => r.Source == "lookup").Fqdn);
    }

    [Fact]
    public async Task Collect_EndpointDeleted_ItsEntriesGo()
    {
        var fqdn = Create(new InMemoryIdentityAllocator());
        fqdn.LiveEndpoints = () => new HashSet<uint> { 1 };
        await fqdn.LearnAsync(Answer(1, "a.test.", "198.51.100.10"), CancellationToken.None);
        await fqdn.LearnAsync(Answer(2, "b.test.", "198.51.100.11"), CancellationToken.None);
        fqdn.Collect();
        Assert.Equal("a.test.", fqdn.List().Single(r => r.Source == "lookup").Fqdn);
    }
}
