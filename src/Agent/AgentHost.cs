using CiliumL7.Agent.Api;
using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Fqdn;
using CiliumL7.Agent.Ipam;
using CiliumL7.Agent.KvStore;
using CiliumL7.Agent.Kubernetes;
using CiliumL7.Agent.KvStore.Etcd;
using CiliumL7.Agent.L7;
using CiliumL7.Agent.Logging;
using CiliumL7.Agent.Node;
using CiliumL7.Agent.Observability;
using CiliumL7.Agent.Policies;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Agent.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent;

/// <summary>
/// Builds and runs the agent: restore state → datapath → node routing →
/// policy directory → REST API on the unix socket → regeneration loop.
/// Shutdown stops the API and loops only; the datapath keeps enforcing.
/// </summary>
internal static class AgentHost
{
    /// <summary>Answer-hold histogram buckets (seconds): 0.1 ms to 1 s, fine below the 5 ms an answer should never exceed.</summary>
    private static readonly double[] FqdnHoldBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    public static async Task<int> RunAsync(AgentOptions options)
    {
        Directory.CreateDirectory(options.StateDir);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = options.StateDir });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        if (File.Exists(options.SocketPath))
        {
            File.Delete(options.SocketPath); // stale socket of a killed agent
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(options.SocketPath);
            if (options.AgentHealthPort > 0)
            {
                k.Listen(System.Net.IPAddress.Loopback, options.AgentHealthPort);
            }
            k.Limits.MaxRequestBodySize = Policy.Api.Limits.InputLimits.MaxPolicyBytes; // the largest body any route accepts
        });

        var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            })
            .AddFilter("Yarp", LogLevel.Warning)
            .AddFilter("Microsoft", LogLevel.Warning));
        var logger = loggerFactory.CreateLogger("CiliumL7.Agent");

        // :: Step 0: Kubernetes mode (a kubeconfig, or a pod's in-cluster config); with --ipam kubernetes
        //    the pod CIDR is this node's Node.spec.podCIDR, read before any address is handed out.
        //    A standalone node builds no client (KubernetesConnection).
        var kubernetes = KubernetesConnection.Open(options);
        if (options.Ipam == "kubernetes")
        {
            if (kubernetes is null)
            {
                throw new AgentConfigurationException("--ipam kubernetes needs the API server: give --k8s-kubeconfig-path, or run the agent in a pod");
            }
            options = options with { PodCidr = kubernetes.ReadPodCidr(options.NodeName, logger, TimeSpan.FromSeconds(60)) };
        }
        Log.Starting(logger, options.NodeName, options.StateDir, options.BpfRoot, options.PolicyDir, options.PodCidr);

        // :: Step 1: state (identities, IPAM, endpoints, imported policies). In kvstore mode the
        //    identities are the cluster's (etcd); the state file seeds the cache so enforcement
        //    starts with what it had even before etcd answers.
        KvStoreSync? kvstore = null;
        EtcdClient? etcd = null;
        EtcdIdentityAllocator? clustered = null;
        if (options.KvStore == "etcd" && options.KvStoreAddresses.Count > 0)
        {
            etcd = new EtcdClient(options.KvStoreAddresses);
            clustered = new EtcdIdentityAllocator(etcd, options.NodeName, () => kvstore?.Lease ?? 0);
        }
        var endpoints = new EndpointManager(options.StateDir, Ipv4Cidr.Parse(options.PodCidr), clustered);
        var policies = new PolicyStore(AgentComponents.CreateValidator(), Path.Combine(options.StateDir, "policies.json"));
        var (endpointCount, identityCount, allocationCount) = endpoints.Restore();
        policies.Restore();
        foreach (var problem in endpoints.RestoreProblems)
        {
            Log.RestoreProblem(logger, problem);
        }
        Log.Restored(logger, endpointCount, identityCount, allocationCount, policies.All().Count);

        // :: Step 2: datapath (reuses pins, never detaches or flushes) and node routing.
        var drops = new DropRecorder();
        var flows = new AgentFlowSink();
        var datapath = AgentComponents.CreateDatapath(options, drops, loggerFactory);
        datapath.Start(endpoints.List());
        foreach (var problem in NodeNetwork.Setup(options.StateDir, options.Procfs))
        {
            Log.NodeSetupProblem(logger, problem);
        }

        // :: Step 3: Hubble (flow ring + Observer on <state-dir>/hubble.sock and --hubble-listen-address, /metrics, export), fed by the proxy and the datapath.
        var cookies = new PolicyCookieNames();
        var peers = clustered is not null ? new ClusterPeers() : null;
        var hubble = await HubbleWiring.StartAsync(options, endpoints, flows, datapath, cookies, loggerFactory, () => policies.Revision, peers).ConfigureAwait(false);
        AgentEventFeed.Attach(hubble.AgentEvents, endpoints, policies, DateTimeOffset.UtcNow);
        var hubbleUi = options.HubbleUiListenAddress is { } uiAddress
            ? await CiliumL7.Hubble.Ui.HubbleUiServer.StartAsync(uiAddress, "unix://" + Path.Combine(options.StateDir, "hubble.sock")).ConfigureAwait(false)
            : null;

        // :: Step 3b: ClusterIP services (socket LB), fed with the endpoints.
        var remotePeers = clustered is not null ? new RemotePeers() : null; // the other nodes' pods (kvstore ipcache)
        var services = ServiceWiring.Start(options, endpoints, loggerFactory, remotePeers);

        // :: Step 4: services of the host.
        if (flows.Observer is HubbleFlows feed)
        {
            feed.Remote = remotePeers; // flows about other nodes' pods name them
        }
        var proxy = AgentComponents.CreateProxy(options, flows, datapath, loggerFactory, remotePeers);
        hubble.Metrics.AddSource(new AgentMetricsSource(endpoints, policies, proxy));
        if (etcd is not null && clustered is not null)
        {
            kvstore = new KvStoreSync(options, etcd, clustered, endpoints, datapath, loggerFactory.CreateLogger("CiliumL7.Agent.KvStore"), remotePeers);
            peers?.Attach(kvstore);
        }
        // :: Step 4b: the FQDN cache (toFQDNs), restored before the first regeneration so learned names stay allowed.
        var fqdn = new FqdnManager(options.Fqdn, endpoints.Allocator, Path.Combine(options.StateDir, "fqdn.json"));
        Log.FqdnRestored(logger, fqdn.Restore());
        fqdn.ConnectionPeers = datapath.ActiveConnectionPeers;
        fqdn.PersistIdentities = endpoints.PersistIdentities;
        fqdn.HoldTimes.Observer = hubble.Metrics.Histogram("ciliuml7_fqdn_answer_hold_seconds",
            "Time a DNS answer was held until the datapath allowed its addresses (toFQDNs)", FqdnHoldBuckets).WithLabels().Observe;
        if (proxy is L7ProxyIntegration l7)
        {
            l7.FqdnLearner = fqdn; // the DNS proxy holds each allowed answer until its addresses are plumbed
        }
        fqdn.LiveEndpoints = () => endpoints.List().Select(e => (uint)e.Id).ToHashSet();
        var engine = AgentComponents.CreateEngine(options, endpoints);
        var nodeAddresses = NodeAddresses.ForPodCidr(options.PodCidr);
        nodeAddresses.Refresh();
        if (engine is ResolverPolicyEngine resolver)
        {
            resolver.Fqdns = fqdn;
            resolver.NodeAddresses = nodeAddresses;
        }
        var context = new AgentContext(options, endpoints, policies, datapath, proxy, drops, flows, DateTimeOffset.UtcNow)
        {
            KvStore = kvstore,
            Cookies = cookies,
            Fqdn = fqdn,
            PolicyWarnings = () => engine is ResolverPolicyEngine r ? r.Warnings : [],
        };
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton(endpoints);
        builder.Services.AddSingleton(policies);
        builder.Services.AddSingleton(datapath);
        builder.Services.AddSingleton(cookies);
        builder.Services.AddSingleton(proxy);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(fqdn);
        builder.Services.AddSingleton(options.Fqdn);
        builder.Services.AddHostedService<FqdnCollector>();
        builder.Services.AddHostedService(_ => new Memory.IdleMemoryTrimmer(proxy, loggerFactory));
        builder.Services.AddSingleton(services);
        builder.Services.AddHostedService<PinWatch>();
        builder.Services.AddSingleton(nodeAddresses);
        builder.Services.AddHostedService<NodeAddressWatch>();
        builder.Services.AddSingleton<PolicyRegenerator>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PolicyRegenerator>());
        builder.Services.AddSingleton<PolicyDirectoryWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PolicyDirectoryWatcher>());
        // :: Kubernetes mode: policies from the API server (list/watch), beside the directory and the API.
        if (kubernetes is not null)
        {
            // Nodes come from the API server unless a kvstore holds the node registry.
            var watchers = kubernetes.CreateWatchers(policies, loggerFactory, services, nodeName: etcd is null ? options.NodeName : null);
            // A relabelled pod (or namespace) gives the pod's endpoint a new identity.
            watchers.Pods.LabelsChanged += (ns, name, labels) =>
            {
                if (endpoints.Relabel(ns, name, labels) is { } relabelled)
                {
                    datapath.UpsertEndpoint(relabelled);
                }
            };
            context.Kubernetes = watchers;
            builder.Services.AddSingleton(watchers);
            builder.Services.AddHostedService(sp => sp.GetRequiredService<KubernetesWatchers>());
        }

        var app = builder.Build();
        var regenerator = app.Services.GetRequiredService<PolicyRegenerator>();
        fqdn.Regenerate = regenerator.RegenerateChanged;
        fqdn.PlumbIncrementally = (learned, sequence) => regenerator.TryPlumb(learned, sequence, fqdn.Selects);
        regenerator.FqdnSequence = () => fqdn.Sequence;
        endpoints.Changed += regenerator.Trigger;
        policies.Changed += regenerator.Trigger;
        app.Services.GetRequiredService<PolicyDirectoryWatcher>().ScanNow();

        // :: Step 4b: the cluster (kvstore mode): identities, ipcache and nodes follow etcd.
        if (kvstore is not null && clustered is not null)
        {
            clustered.Changed += regenerator.Trigger;
            kvstore.Start();
        }

        // :: Step 5: API (and /healthz on the loopback health port for probes).
        if (options.AgentHealthPort > 0)
        {
            HealthApi.Map(app, context, options.AgentHealthPort);
        }
        AgentApi.Map(app, context, logger);
        ServiceApi.Map(app, services);
        FqdnApi.Map(app, fqdn);
        app.Lifetime.ApplicationStarted.Register(() => Log.Listening(logger, options.SocketPath));
        app.Lifetime.ApplicationStopping.Register(() => Log.ShuttingDown(logger));
        try
        {
            await app.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            if (kvstore is not null)
            {
                await kvstore.DisposeAsync().ConfigureAwait(false);
            }
            etcd?.Dispose();
            if (hubbleUi is not null)
            {
                await hubbleUi.DisposeAsync().ConfigureAwait(false);
            }
            await hubble.DisposeAsync().ConfigureAwait(false);
            datapath.Dispose();
            (proxy as IDisposable)?.Dispose();
            flows.Dispose();
            try
            {
                File.Delete(options.SocketPath);
            }
            catch (IOException)
            {
            }
            loggerFactory.Dispose();
        }
        return 0;
    }
}
