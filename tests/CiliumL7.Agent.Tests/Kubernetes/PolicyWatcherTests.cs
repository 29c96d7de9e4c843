using CiliumL7.Agent.Kubernetes;
using CiliumL7.Agent.Policies;
using CiliumL7.TestSupport;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using YamlDotNet.RepresentationModel;

namespace CiliumL7.Agent.Tests.Kubernetes;

/// <summary>
/// The agent's policy watchers (real KubernetesClient through a kubeconfig) against the
/// list/watch contract of <see cref="TestApiServer"/>: lists in pages, watch events,
/// reconnects, bookmarks, 410 Gone, watch timeouts, a policy that fails validation.
/// </summary>
public sealed class PolicyWatcherTests : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cl7-k8s-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<List<string>> _snapshots = [];
    private TestApiServer _server = null!;
    private PolicyStore _store = null!;
    private KubernetesWatchers _watchers = null!;
    private Task? _running;

    public async Task InitializeAsync()
    {
        _server = await TestApiServer.StartAsync();
        _store = new PolicyStore(AgentComponents.CreateValidator(), Path.Combine(_dir, "policies.json"));
        _store.Changed += () =>
        {
            lock (_snapshots)
            {
                _snapshots.Add([.. _store.All().Select(d => $"{d.Kind}/{d.Namespace}/{d.Name}")]);
            }
        };
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    public void Dispose()
    {
        _stop.Dispose();
        _watchers?.Dispose();
    }

    private async Task StartAsync(int pageSize = 500, TimeSpan? watchTimeout = null, Services.ServiceManager? services = null, string? nodeName = null)
    {
        var kubeconfig = _server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
        var client = KubernetesWatchers.CreateClient(Configuration.AgentOptions.Parse(["--k8s-kubeconfig-path", kubeconfig]))!;
        _watchers = new KubernetesWatchers(client, _store, NullLoggerFactory.Instance, pageSize, watchTimeout, services, nodeName);
        _running = Task.WhenAll([.. _watchers.Watchers.Select(w => w.RunAsync(_stop.Token)), _watchers.Status.RunAsync(_stop.Token)]);
        await Task.WhenAll(_watchers.Watchers.Select(w => w.Synced)).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static string Example(string file) => File.ReadAllText(RepoPaths.Combine("examples", "deathstar", file));

    private static string Cnp(string name, string ns = "default", string port = "80") => $$"""
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          endpointSelector:
            matchLabels:
              app: {{name}}
          ingress:
          - fromEndpoints:
            - matchLabels:
                org: empire
            toPorts:
            - ports:
              - port: "{{port}}"
                protocol: TCP
        """;

    private List<string> Names() => [.. _store.All().Where(d => d.Source == PolicyStore.KubernetesSource).Select(d => $"{d.Kind}/{d.Namespace}/{d.Name}").Order()];

    private async Task WaitForAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200; i++)
        {
            if (condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"timed out waiting for: {what}; store has [{string.Join(", ", Names())}]; server saw: {string.Join(" | ", _server.Requests)}");
    }

    [Fact]
    public async Task Start_ExistingObjectsOfEveryKind_AreListedIntoTheStore()
    {
        _server.Apply(Example("sw_l3_l4_l7_policy.yaml"));
        _server.Apply(Cnp("other", ns: "team-a"));
        _server.Apply("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata:
              name: cluster-wide
            spec:
              endpointSelector: {}
              egress:
              - toEntities: [cluster]
            """);
        _server.Apply("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: np
              namespace: team-a
            spec:
              podSelector:
                matchLabels:
                  app: db
              policyTypes: [Ingress]
              ingress:
              - ports:
                - port: 5432
            """);

        await StartAsync();

        Assert.Equal(["CiliumClusterwideNetworkPolicy//cluster-wide", "CiliumNetworkPolicy/default/allow-empire-in-namespace", "CiliumNetworkPolicy/team-a/other", "NetworkPolicy/team-a/np"], Names());
        Assert.Empty(_store.Errors());
        Assert.All(_watchers.Watchers, w => Assert.Equal(1, w.Lists));
    }

    [Fact]
    public async Task Watch_AddModifyDelete_AreFollowed()
    {
        await StartAsync();

        _server.Apply(Cnp("a"));
        await WaitForAsync(() => Names().Contains("CiliumNetworkPolicy/default/a"), "a added");
        _server.Apply(Cnp("a", port: "8080"));
        await WaitForAsync(() => _store.All().Any(d => d.Name == "a" && d.Yaml.Contains("8080", StringComparison.Ordinal)), "a modified");
        Assert.True(_server.Delete("CiliumNetworkPolicy", "default", "a"));
        await WaitForAsync(() => Names().Count == 0, "a deleted");
    }

    [Fact]
    public async Task List_InPages_ReadsEveryPageFromOneSnapshot()
    {
        for (var i = 0; i < 7; i++)
        {
            _server.Apply(Cnp("p" + i));
        }

        await StartAsync(pageSize: 2);

        Assert.Equal(7, Names().Count);
        Assert.Equal(3, _server.Requests.Count(r => r == "list-continue cilium.io/ciliumnetworkpolicies"));
    }

    [Fact]
    public async Task Reconnect_ChangesWhileDisconnected_AreReplayedAndNothingIsDroppedMeanwhile()
    {
        _server.Apply(Cnp("steady"));
        _server.Apply(Cnp("doomed"));
        await StartAsync();
        lock (_snapshots)
        {
            _snapshots.Clear();
        }

        _server.DropWatches();
        _server.Delete("CiliumNetworkPolicy", "default", "doomed");
        _server.Apply(Cnp("newcomer"));

        await WaitForAsync(() => Names().SequenceEqual(["CiliumNetworkPolicy/default/newcomer", "CiliumNetworkPolicy/default/steady"]), "replayed changes");
        var cnp = _watchers.Watchers.Single(w => w.Resource == KubernetesResource.CiliumNetworkPolicy);
        Assert.Equal(1, cnp.Lists); // resumed from its resourceVersion, no relist
        Assert.True(cnp.Watches >= 2);
        lock (_snapshots)
        {
            Assert.All(_snapshots, s => Assert.Contains("CiliumNetworkPolicy/default/steady", s));
        }
    }

    [Fact]
    public async Task Gone_HistoryCompactedWhileDisconnected_RelistsAndAppliesTheDeletes()
    {
        _server.Apply(Cnp("steady"));
        _server.Apply(Cnp("doomed"));
        await StartAsync();
        var cnp = _watchers.Watchers.Single(w => w.Resource == KubernetesResource.CiliumNetworkPolicy);

        // Delete and compact before the watcher can resume: its resourceVersion is too old (410).
        lock (_snapshots)
        {
            _snapshots.Clear();
        }
        _server.RefuseWatches = true; // the watcher cannot resume until the history is gone
        _server.DropWatches();
        _server.Delete("CiliumNetworkPolicy", "default", "doomed");
        _server.Apply(Cnp("newcomer"));
        _server.Compact();
        _server.RefuseWatches = false;

        await WaitForAsync(() => cnp.Lists >= 2 && Names().SequenceEqual(["CiliumNetworkPolicy/default/newcomer", "CiliumNetworkPolicy/default/steady"]), "relist after 410");
        lock (_snapshots)
        {
            Assert.All(_snapshots, s => Assert.Contains("CiliumNetworkPolicy/default/steady", s));
        }
        Assert.True(cnp.Lists <= 3, $"relisted {cnp.Lists} times after one 410");
    }

    [Fact]
    public async Task Bookmark_AdvancesTheResourceVersionTheNextWatchStartsFrom()
    {
        await StartAsync();
        _server.Apply("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: unrelated
            spec:
              podSelector: {}
            """);
        var cnp = _watchers.Watchers.Single(w => w.Resource == KubernetesResource.CiliumNetworkPolicy);
        var before = cnp.ResourceVersion;

        _server.Bookmark();
        await WaitForAsync(() => cnp.ResourceVersion == _server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), "bookmark seen");
        _server.DropWatches();

        Assert.NotEqual(before, cnp.ResourceVersion);
        await WaitForAsync(() => _server.Requests.Contains($"watch cilium.io/ciliumnetworkpolicies rv={_server.ResourceVersion}"), "watch resumed at the bookmark");
    }

    [Fact]
    public async Task WatchTimeout_ServerEndsTheWatch_ReopenedWithoutRelisting()
    {
        await StartAsync(watchTimeout: TimeSpan.FromSeconds(1));
        var cnp = _watchers.Watchers.Single(w => w.Resource == KubernetesResource.CiliumNetworkPolicy);

        await WaitForAsync(() => cnp.Watches >= 3, "watches reopened after timeoutSeconds");
        _server.Apply(Cnp("late"));

        await WaitForAsync(() => Names().Contains("CiliumNetworkPolicy/default/late"), "event after reopen");
        Assert.Equal(1, cnp.Lists);
    }

    [Fact]
    public async Task InvalidUpdate_LastGoodVersionStaysAndTheErrorNamesTheField()
    {
        _server.Apply(Example("sw_l3_l4_policy.yaml"));
        await StartAsync();
        var good = _store.All().Single(d => d.Name == "allow-empire-in-namespace").Yaml;

        var typo = Example("sw_l3_l4_policy.yaml").Replace("  endpointSelector:\n    matchLabels:", "  endpointSelector:\n    matchLables:", StringComparison.Ordinal);
        Assert.NotEqual(Example("sw_l3_l4_policy.yaml"), typo);
        _server.Apply(typo);
        await WaitForAsync(() => _store.Errors().Count == 1, "the rejected update reported");

        Assert.Equal(good, _store.All().Single(d => d.Name == "allow-empire-in-namespace").Yaml);
        var error = _store.Errors().Single();
        Assert.Equal("CiliumNetworkPolicy/default/allow-empire-in-namespace", error.Source);
        Assert.Contains(error.Errors, e => e.Contains("matchLables", StringComparison.Ordinal));

        _server.Apply(Example("sw_l3_l4_policy.yaml"));
        await WaitForAsync(() => _store.Errors().Count == 0, "the fixed version accepted");
    }

    [Fact]
    public async Task InvalidUpdate_ValidConditionFalseNamesTheFieldThenTrueWhenFixed()
    {
        _server.Apply(Example("sw_l3_l4_policy.yaml"));
        await StartAsync();
        await WaitForAsync(() => ValidCondition("allow-empire-in-namespace")?["status"]?.GetValue<string>() == "True", "Valid=True on the accepted policy");

        _server.Apply(Example("sw_l3_l4_policy.yaml").Replace("  endpointSelector:\n    matchLabels:", "  endpointSelector:\n    matchLables:", StringComparison.Ordinal));
        await WaitForAsync(() => ValidCondition("allow-empire-in-namespace")?["status"]?.GetValue<string>() == "False", "Valid=False on the rejected update");

        var condition = ValidCondition("allow-empire-in-namespace")!;
        Assert.Contains("spec.endpointSelector.matchLables", condition["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(condition["lastTransitionTime"]);
        Assert.Single(_store.All(), d => d.Name == "allow-empire-in-namespace"); // the last good version stays in force
        var writes = _watchers.Status.Written;
        await Task.Delay(500);
        Assert.Equal(writes, _watchers.Status.Written); // its own status write (a MODIFIED event) is not written again

        _server.Apply(Example("sw_l3_l4_policy.yaml"));
        await WaitForAsync(() => ValidCondition("allow-empire-in-namespace")?["status"]?.GetValue<string>() == "True", "Valid=True once fixed");
        Assert.Equal(PolicyStatusReporter.ValidMessage, ValidCondition("allow-empire-in-namespace")!["message"]!.GetValue<string>());
    }

    private System.Text.Json.Nodes.JsonObject? ValidCondition(string name) =>
        (_server.Get("CiliumNetworkPolicy", "default", name)?["status"]?["conditions"] as System.Text.Json.Nodes.JsonArray)?
            .OfType<System.Text.Json.Nodes.JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == "Valid");

    [Fact]
    public async Task Rbac_TheClusterRole_GrantsExactlyTheCallsTheAgentMakes()
    {
        using var services = new Services.ServiceManager(System.Net.IPNetwork.Parse("10.96.0.0/16"));
        _server.Written["/api/v1/nodes/n1"] = System.Text.Json.Nodes.JsonNode.Parse("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"spec":{"podCIDR":"10.244.3.0/24"}}""")!.AsObject();
        // Nodes are listed and watched (the node itself only, so no route is written here).
        await StartAsync(pageSize: 1, services: services, nodeName: "n1");
        var client = KubernetesWatchers.CreateClient(Configuration.AgentOptions.Parse(["--k8s-kubeconfig-path", Path.Combine(_dir, "kubeconfig")]))!;
        Assert.Equal("10.244.3.0/24", await NodePodCidr.ReadAsync(client, "n1", NullLogger.Instance, TimeSpan.FromSeconds(5)));
        _server.Apply(Cnp("x"));
        _server.Apply("apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata:\n  name: y\nspec:\n  endpointSelector: {}\n  ingress:\n  - fromEntities: [cluster]\n");
        await WaitForAsync(() => _watchers.Status.Written >= 2, "the Valid conditions written");
        _server.DropWatches();
        await WaitForAsync(() => _server.OpenWatches == _watchers.Watchers.Count, "watches reopened");

        var role = new YamlStream();
        role.Load(new StringReader(File.ReadAllText(RepoPaths.Combine("deploy", "kubernetes", "clusterrole.yaml"))));
        var granted = new HashSet<string>();
        foreach (var rule in ((YamlSequenceNode)((YamlMappingNode)role.Documents[0].RootNode)["rules"]).Cast<YamlMappingNode>())
        {
            foreach (var g in (YamlSequenceNode)rule["apiGroups"])
            {
                foreach (var r in (YamlSequenceNode)rule["resources"])
                {
                    foreach (var v in (YamlSequenceNode)rule["verbs"])
                    {
                        granted.Add($"{v} {g}/{r}");
                    }
                }
            }
        }
        var calls = _server.Requests.Select(r => r.Split(' ')).Select(p => p[0] switch
        {
            "list-continue" => $"list {p[1]}",
            "get" => $"get /{p[1].Split('/')[3]}", // get /api/v1/nodes/NAME
            "patch" => $"patch {p[1].Split('/')[2]}/{p[1].Split('/')[^3]}/status", // patch /apis/G/V/[namespaces/NS/]PLURAL/NAME/status
            _ => $"{p[0]} {p[1]}",
        }).ToHashSet();

        Assert.Equal(granted.Order(), calls.Order());
    }

    [Fact]
    public async Task BadToken_ListFails_RetriedWithBackoffNothingInForce()
    {
        var kubeconfig = _server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
        File.WriteAllText(kubeconfig, File.ReadAllText(kubeconfig).Replace(_server.Token, "wrong", StringComparison.Ordinal));
        _server.Apply(Cnp("a"));
        var client = KubernetesWatchers.CreateClient(Configuration.AgentOptions.Parse(["--k8s-kubeconfig-path", kubeconfig]))!;
        var watcher = new ResourceWatcher(client, KubernetesResource.CiliumNetworkPolicy, new PolicySink(_store, KubernetesResource.CiliumNetworkPolicy, NullLogger.Instance), NullLogger.Instance, firstBackoff: TimeSpan.FromMilliseconds(50));
        _running = watcher.RunAsync(_stop.Token);

        await WaitForAsync(() => _server.Requests.Count >= 0 && watcher.Lists >= 3, "retries");
        Assert.False(watcher.Synced.IsCompleted);
        Assert.Empty(Names());
    }

    [Fact]
    public async Task PodCache_PodAndNamespaceLabels_GivenToTheCniAddThatNamesThePod()
    {
        _server.Apply("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: empire
              labels:
                team: death-star
            """);
        _server.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: tiefighter
              namespace: empire
              labels:
                org: empire
                class: tiefighter
            spec:
              containers:
              - name: c
                image: x
            """);
        await StartAsync();

        var labels = await _watchers.Pods.LabelsAsync("empire", "tiefighter", TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(["class=tiefighter", "io.cilium.k8s.namespace.labels.team=death-star", "org=empire"], labels!.Order());
        Assert.Null(await _watchers.Pods.LabelsAsync("empire", "nobody", TimeSpan.FromMilliseconds(300), CancellationToken.None));

        // A CNI ADD that arrives before the pod's watch event waits for it.
        var waiting = _watchers.Pods.LabelsAsync("empire", "xwing", TimeSpan.FromSeconds(10), CancellationToken.None);
        _server.Apply("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: xwing
              namespace: empire
              labels:
                org: alliance
            spec:
              containers:
              - name: c
                image: x
            """);
        Assert.Contains("org=alliance", (await waiting)!);
    }

    [Fact]
    public async Task Services_ClusterIpWithOrWithoutSelector_LoadBalancedHeadlessNot()
    {
        using var services = new Services.ServiceManager(System.Net.IPNetwork.Parse("10.96.0.0/16"));
        services.Upsert(new Services.ServiceSpec { Name = "by-hand", Namespace = "default", Ports = [new() { Port = 81 }], Selector = new Dictionary<string, string> { ["a"] = "b" } });
        _server.Apply("""
            apiVersion: v1
            kind: Service
            metadata:
              name: deathstar
              namespace: default
            spec:
              type: ClusterIP
              clusterIP: 10.96.7.7
              selector:
                org: empire
                class: deathstar
              ports:
              - name: http
                port: 80
                targetPort: 8080
                protocol: TCP
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: headless
              namespace: default
            spec:
              clusterIP: None
              selector:
                app: x
              ports:
              - port: 80
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: named
              namespace: default
            spec:
              clusterIP: 10.96.7.8
              selector:
                app: y
              ports:
              - port: 80
                targetPort: http
            """);
        await StartAsync(services: services);

        var deathstar = services.Get("default", "deathstar");
        Assert.NotNull(deathstar);
        Assert.Equal("10.96.7.7", deathstar!.Vip.ToString());
        Assert.Null(services.Get("default", "headless"));
        Assert.NotNull(services.Get("default", "named")); // a named targetPort: the EndpointSlices carry the number
        Assert.Equal(Services.ServiceBackendSource.EndpointSlices, deathstar.Spec.BackendSource);

        Assert.True(_server.Delete("Service", "default", "deathstar"));
        await WaitForAsync(() => services.Get("default", "deathstar") is null, "service deleted");
        Assert.NotNull(services.Get("default", "by-hand")); // not the API server's to remove
    }

    [Fact]
    public void CreateClient_MissingKubeconfig_NamesTheFlagAndFile()
    {
        var e = Assert.Throws<Configuration.AgentConfigurationException>(() =>
            KubernetesWatchers.CreateClient(Configuration.AgentOptions.Parse(["--k8s-kubeconfig-path", Path.Combine(_dir, "absent")])));

        Assert.Contains("--k8s-kubeconfig-path", e.Message, StringComparison.Ordinal);
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
    }
}
