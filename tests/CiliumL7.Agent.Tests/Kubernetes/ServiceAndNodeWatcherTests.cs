using System.Net;
using CiliumL7.Agent.Kubernetes;
using CiliumL7.Agent.Services;
using CiliumL7.Agent.Tests.Support;
using CiliumL7.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Agent.Tests.Kubernetes;

/// <summary>
/// Services + EndpointSlices into the load balancer, and Nodes into routes, through real
/// KubernetesClient watches against the list/watch contract of <see cref="TestApiServer"/>.
/// </summary>
public sealed class ServiceAndNodeWatcherTests : IAsyncLifetime, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cl7-k8s-svc-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly ServiceManager _services = new(IPNetwork.Parse("10.96.0.0/16"));
    private TestApiServer _server = null!;
    private KubernetesWatchers? _watchers;
    private readonly List<Task> _running = [];

    public async Task InitializeAsync() => _server = await TestApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    public void Dispose()
    {
        _stop.Dispose();
        _watchers?.Dispose();
        _services.Dispose();
    }

    private k8s.IKubernetes Client() => KubernetesWatchers.CreateClient(Configuration.AgentOptions.Parse(["--k8s-kubeconfig-path", _server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"))]))!;

    private async Task StartAsync()
    {
        var store = new Policies.PolicyStore(AgentComponents.CreateValidator(), Path.Combine(_dir, "policies.json"));
        _watchers = new KubernetesWatchers(Client(), store, NullLoggerFactory.Instance, services: _services);
        _running.AddRange(_watchers.Watchers.Select(w => w.RunAsync(_stop.Token)));
        await Task.WhenAll(_watchers.Watchers.Select(w => w.Synced)).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task WaitForAsync(Func<bool> condition, Func<string> what)
    {
        for (var i = 0; i < 200; i++)
        {
            if (condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail("timed out waiting for: " + what());
    }

    /// <summary>"PORT=>IP:PORT,…" per frontend, backends sorted.</summary>
    private string Backends(string name) => _services.Get("default", name) is { } info
        ? string.Join(" ", info.Frontends.Select(f => f.Address.Split(':')[1] + "=>" + string.Join(",", f.Backends.Select(b => $"{b.Ip}:{b.Port}").Order())))
        : "(none)";

    private const string Deathstar = """
        apiVersion: v1
        kind: Service
        metadata:
          name: deathstar
          namespace: default
        spec:
          clusterIP: 10.96.7.7
          selector:
            class: deathstar
          ports:
          - name: http
            port: 80
            targetPort: web
          - name: metrics
            port: 9090
            targetPort: 9100
        """;

    private static string Slice(string name, string service, string endpoints) => $"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: {name}
          namespace: default
          labels:
            kubernetes.io/service-name: {service}
        addressType: IPv4
        ports:
        - name: http
          port: 8080
          protocol: TCP
        - name: metrics
          port: 9100
        endpoints:
        {endpoints}
        """;

    [Fact]
    public async Task EndpointSlices_ReadyOnlyPortsByName_TerminatingOnlyWhenNothingIsReady()
    {
        _server.Apply(Deathstar);
        _server.Apply(Slice("deathstar-a", "deathstar", """
            - addresses: ["10.244.1.10"]
            - addresses: ["10.244.1.11"]
              conditions: {ready: false}
            - addresses: ["10.244.1.12"]
              conditions: {ready: false, serving: true, terminating: true}
            """));
        _server.Apply(Slice("deathstar-b", "deathstar", """
            - addresses: ["10.244.2.10"]
              conditions: {ready: true, serving: true, terminating: false}
            """));
        await StartAsync();

        // Ready (true or absent) endpoints of every slice; the slice's port number for the Service's port of the same name.
        Assert.Equal("80=>10.244.1.10:8080,10.244.2.10:8080 9090=>10.244.1.10:9100,10.244.2.10:9100", Backends("deathstar"));

        // An endpoint turns not ready: it leaves.
        _server.Apply(Slice("deathstar-b", "deathstar", """
            - addresses: ["10.244.2.10"]
              conditions: {ready: false, serving: false, terminating: true}
            """));
        await WaitForAsync(() => Backends("deathstar") == "80=>10.244.1.10:8080 9090=>10.244.1.10:9100", () => Backends("deathstar"));

        // Nothing ready at all: the serving-and-terminating endpoints drain the traffic.
        _server.Apply(Slice("deathstar-a", "deathstar", """
            - addresses: ["10.244.1.10"]
              conditions: {ready: false}
            - addresses: ["10.244.1.12"]
              conditions: {ready: false, serving: true, terminating: true}
            """));
        await WaitForAsync(() => Backends("deathstar") == "80=>10.244.1.12:8080 9090=>10.244.1.12:9100", () => Backends("deathstar"));

        // The slices deleted: no backend (connects are refused).
        _server.Delete("EndpointSlice", "default", "deathstar-a");
        _server.Delete("EndpointSlice", "default", "deathstar-b");
        await WaitForAsync(() => Backends("deathstar") == "80=> 9090=>", () => Backends("deathstar"));
    }

    [Fact]
    public async Task EndpointSlices_SelectorlessServiceWithManualSlice_LoadBalanced()
    {
        _server.Apply("""
            apiVersion: v1
            kind: Service
            metadata:
              name: external-db
              namespace: default
            spec:
              clusterIP: 10.96.7.9
              ports:
              - port: 5432
            """);
        _server.Apply("""
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: external-db-1
              namespace: default
              labels:
                kubernetes.io/service-name: external-db
            addressType: IPv4
            ports:
            - port: 5433
            endpoints:
            - addresses: ["10.244.9.9"]
            """);
        await StartAsync();

        Assert.Equal("5432=>10.244.9.9:5433", Backends("external-db"));
    }

    [Fact]
    public async Task EndpointSlices_DeletedWhileHistoryCompacted_RelistRemovesTheBackend()
    {
        _server.Apply(Deathstar);
        _server.Apply(Slice("deathstar-a", "deathstar", "- addresses: [\"10.244.1.10\"]"));
        _server.Apply(Slice("deathstar-b", "deathstar", "- addresses: [\"10.244.2.10\"]"));
        await StartAsync();
        var slices = _watchers!.Watchers.Single(w => w.Resource == KubernetesResource.EndpointSlice);
        Assert.Equal("80=>10.244.1.10:8080,10.244.2.10:8080 9090=>10.244.1.10:9100,10.244.2.10:9100", Backends("deathstar"));

        _server.RefuseWatches = true;
        _server.DropWatches();
        _server.Delete("EndpointSlice", "default", "deathstar-b");
        _server.Compact();
        _server.RefuseWatches = false;

        await WaitForAsync(() => slices.Lists >= 2 && Backends("deathstar") == "80=>10.244.1.10:8080 9090=>10.244.1.10:9100", () => $"{slices.Lists} lists, {Backends("deathstar")}");
    }

    [SkippableFact]
    public async Task Nodes_OtherNodesPodCidrsRouted_OwnSkipped_DeletedAndStaleRoutesRemoved()
    {
        Privileged.Require();
        var netns = "cl7-k8sn-" + Guid.NewGuid().ToString("N")[..8];
        Cmd.Check("ip", "netns", "add", netns);
        try
        {
            Cmd.Check("ip", "-n", netns, "link", "add", "underlay", "type", "veth", "peer", "name", "underlay-peer");
            Cmd.Check("ip", "-n", netns, "addr", "add", "172.31.40.1/24", "dev", "underlay");
            Cmd.Check("ip", "-n", netns, "link", "set", "underlay", "up");
            Cmd.Check("ip", "-n", netns, "link", "set", "underlay-peer", "up");
            // A route of ours left by a node deleted while the agent was down, and someone else's route.
            Cmd.Check("ip", "-n", netns, "route", "add", "10.244.60.0/24", "via", "172.31.40.60", "proto", NodeSink.RouteProtocol);
            Cmd.Check("ip", "-n", netns, "route", "add", "10.244.61.0/24", "via", "172.31.40.61");
            string Routes() => string.Join("\n", Cmd.Check("ip", "-n", netns, "-4", "route", "show", "proto", NodeSink.RouteProtocol)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            static string Node(string name, string ip, string cidr) => $"""
                apiVersion: v1
                kind: Node
                metadata:
                  name: {name}
                spec:
                  podCIDR: {cidr}
                  podCIDRs: [{cidr}]
                status:
                  addresses:
                  - type: Hostname
                    address: {name}
                  - type: InternalIP
                    address: {ip}
                """;
            _server.Apply(Node("self", "172.31.40.1", "10.244.40.0/24"));
            _server.Apply(Node("n2", "172.31.40.2", "10.244.42.0/24"));
            var sink = new NodeSink("self", NullLogger.Instance, args => { var r = Cmd.Run("ip", ["-n", netns, .. args]); return (r.ExitCode, r.Stdout, r.Stderr); });
            var watcher = new ResourceWatcher(Client(), KubernetesResource.Node, sink, NullLogger.Instance);
            _running.Add(watcher.RunAsync(_stop.Token));
            await watcher.Synced.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal("10.244.42.0/24 via 172.31.40.2 dev underlay", Routes());
            Assert.Contains("10.244.61.0/24 via 172.31.40.61", Cmd.Check("ip", "-n", netns, "route"), StringComparison.Ordinal);
            Assert.Equal(["n2", "self"], sink.Nodes(new Client.Models.NodeModel { Name = "self", Local = true }).Select(n => n.Name));

            _server.Apply(Node("n3", "172.31.40.3", "10.244.43.0/24"));
            await WaitForAsync(() => Routes().Contains("10.244.43.0/24 via 172.31.40.3", StringComparison.Ordinal), Routes);
            _server.Apply(Node("n3", "172.31.40.4", "10.244.43.0/24")); // the node moved
            await WaitForAsync(() => Routes() == "10.244.42.0/24 via 172.31.40.2 dev underlay\n10.244.43.0/24 via 172.31.40.4 dev underlay", Routes);
            _server.Delete("Node", "", "n2");
            await WaitForAsync(() => Routes() == "10.244.43.0/24 via 172.31.40.4 dev underlay", Routes);
        }
        finally
        {
            Cmd.Run("ip", "netns", "del", netns);
        }
    }
}
