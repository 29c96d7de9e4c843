using CiliumL7.Agent.Policies;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class PolicyStoreTests : IDisposable
{
    private const string Rule1 = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: rule1
        spec:
          endpointSelector:
            matchLabels:
              class: deathstar
          ingress:
          - fromEndpoints:
            - matchLabels:
                org: empire
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("ciliuml7-pol-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private PolicyStore NewStore() => new(AgentComponents.CreateValidator(), Path.Combine(_dir, "policies.json"));

    [Fact]
    public void Import_ThenRestore_SurvivesRestart()
    {
        var store = NewStore();
        var (imported, errors, revision) = store.Import(Rule1, "rule1.yaml");

        var restarted = NewStore();
        restarted.Restore();

        Assert.Empty(errors);
        Assert.Equal("CiliumNetworkPolicy default/rule1", Assert.Single(imported).DisplayName);
        Assert.True(revision > 1);
        Assert.Equal("rule1", Assert.Single(restarted.All()).Name);
    }

    [Fact]
    public void Import_SameNameAgain_ReplacesIt()
    {
        var store = NewStore();
        store.Import(Rule1, "a");
        store.Import(Rule1.Replace("org: empire", "org: alliance", StringComparison.Ordinal), "b");

        var doc = Assert.Single(store.All());
        Assert.Contains("alliance", doc.Yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_InvalidYaml_RejectedWithPositionAndNothingChanges()
    {
        var store = NewStore();
        store.Import(Rule1, "a");

        var (imported, errors, _) = store.Import("kind: [unclosed", "bad.yaml");

        Assert.Empty(imported);
        Assert.Contains("bad.yaml", Assert.Single(errors), StringComparison.Ordinal);
        Assert.Single(store.All());
    }

    [Fact]
    public void Delete_ByNameAndAll_RemovesImported()
    {
        var store = NewStore();
        store.Import(Rule1, "a");
        store.Import(Rule1.Replace("rule1", "rule2", StringComparison.Ordinal), "b");

        Assert.Equal(0, store.Delete("rule1", "other-ns", all: false).Deleted);
        Assert.Equal(1, store.Delete("rule1", "default", all: false).Deleted);
        Assert.Equal(1, store.Delete(null, null, all: true).Deleted);
        Assert.Empty(store.All());
    }

    [Fact]
    public void ScanDirectory_FileBecomesMalformed_KeepsLastGoodVersionAndReportsError()
    {
        var policies = Path.Combine(_dir, "policies");
        Directory.CreateDirectory(policies);
        var file = Path.Combine(policies, "rule1.yaml");
        var store = NewStore();
        File.WriteAllText(file, Rule1);
        Assert.True(Assert.Single(store.ScanDirectory(policies)).Accepted);

        File.WriteAllText(file, Rule1 + "\n  bad: [indent\n");
        var scan = Assert.Single(store.ScanDirectory(policies));

        Assert.False(scan.Accepted);
        Assert.Equal("rule1", Assert.Single(store.All()).Name);
        Assert.Equal(file, Assert.Single(store.Errors()).Source);

        File.Delete(file);
        Assert.True(Assert.Single(store.ScanDirectory(policies)).Deleted);
        Assert.Empty(store.All());
        Assert.Empty(store.Errors());
    }

    [Fact]
    public void ScanDirectory_UnchangedFile_ReportsNothing()
    {
        var policies = Path.Combine(_dir, "policies");
        Directory.CreateDirectory(policies);
        File.WriteAllText(Path.Combine(policies, "r.yaml"), Rule1);
        var store = NewStore();
        store.ScanDirectory(policies);

        Assert.Empty(store.ScanDirectory(policies));
    }

    [Fact]
    public void MarkApplied_AfterFailure_ClearsErrorAndNeverGoesBack()
    {
        var store = NewStore();
        var (_, _, revision) = store.Import(Rule1, "rule1.yaml");

        store.MarkApplyFailed(revision, "boom");
        var failed = (store.AppliedRevision, store.ApplyError, store.ApplyErrorRevision);
        store.MarkApplied(revision);
        store.MarkApplied(revision - 1);

        Assert.Equal((0L, "boom", revision), failed);
        Assert.Equal(revision, store.AppliedRevision);
        Assert.Null(store.ApplyError);
    }

    [Fact]
    public async Task WaitAppliedAsync_RevisionApplied_CompletesOnlyThen()
    {
        var store = NewStore();
        var (_, _, revision) = store.Import(Rule1, "rule1.yaml");

        var wait = store.WaitAppliedAsync(revision, CancellationToken.None);
        store.MarkApplied(revision - 1);
        var pendingAfterOlder = wait.IsCompleted;
        store.MarkApplied(revision);
        await wait;

        Assert.False(pendingAfterOlder);
        Assert.Equal(revision, store.AppliedRevision);
    }

    [Fact]
    public async Task WaitAppliedAsync_RegenerationFails_CompletesWithError()
    {
        var store = NewStore();
        var (_, _, revision) = store.Import(Rule1, "rule1.yaml");

        var wait = store.WaitAppliedAsync(revision, CancellationToken.None);
        store.MarkApplyFailed(revision, "map full");
        await wait;

        Assert.Equal("map full", store.ApplyError);
        Assert.True(store.AppliedRevision < revision);
    }

    [Fact]
    public async Task WaitAppliedAsync_Cancelled_ReturnsWithoutThrowing()
    {
        var store = NewStore();
        var (_, _, revision) = store.Import(Rule1, "rule1.yaml");
        using var cts = new CancellationTokenSource();

        var wait = store.WaitAppliedAsync(revision, cts.Token);
        cts.Cancel();
        await wait;

        Assert.True(store.AppliedRevision < revision);
    }
}
