using System.Globalization;
using System.Net;
using CiliumL7.Hubble.Api;
using CiliumL7.Proxy.Dns;

namespace CiliumL7.Agent.Configuration;

/// <summary>
/// Command-line settings of <c>ciliuml7-agent</c>. Every runtime path is a flag,
/// so several agents ("nodes") can run on one host with different paths.
/// </summary>
internal sealed record AgentOptions
{
    public string StateDir { get; init; } = "/var/run/ciliuml7";

    public string BpfRoot { get; init; } = "/sys/fs/bpf/ciliuml7";

    public string PolicyDir { get; init; } = "/etc/ciliuml7/policies";

    public string PodCidr { get; init; } = "10.244.0.0/24";

    public string NodeName { get; init; } = Environment.MachineName;

    /// <summary>Directory holding the compiled BPF objects (default: <c>bpf/</c> next to the executable).</summary>
    public string BpfDir { get; init; } = Path.Combine(AppContext.BaseDirectory, "bpf");

    /// <summary>The procfs mount the forwarding sysctls are written under (<c>--procfs</c>); a container passes the node's.</summary>
    public string Procfs { get; init; } = "/proc";

    /// <summary>CIDR ClusterIP service VIPs are allocated from (distinct per agent on one host).</summary>
    public string ServiceCidr { get; init; } = "10.96.0.0/16";

    /// <summary>First port of the range proxy listeners are allocated from.</summary>
    public int ProxyPortMin { get; init; } = 15000;

    /// <summary>Last port of the proxy range.</summary>
    public int ProxyPortMax { get; init; } = 15999;

    /// <summary>Seconds between policy directory rescans (the watcher's fallback).</summary>
    public double PolicyRescanSeconds { get; init; } = 5;

    /// <summary>TCP address of the Hubble Observer API (<c>--hubble-listen-address</c>); null: unix socket only.</summary>
    public IPEndPoint? HubbleListenAddress { get; init; } = new(IPAddress.Loopback, 4244);

    /// <summary>Flows the Hubble ring keeps (2^n - 1).</summary>
    public int HubbleFlowBufferSize { get; init; } = 4095;

    /// <summary>JSON-lines flow export file; null: no export.</summary>
    public string? HubbleExportFilePath { get; init; }

    /// <summary>Rotate the export file beyond this many MiB.</summary>
    public int HubbleExportFileMaxSizeMb { get; init; } = 10;

    /// <summary>Rotated export files kept.</summary>
    public int HubbleExportFileMaxBackups { get; init; } = 5;

    /// <summary>Only flows matching one of these are exported (empty: all).</summary>
    public IReadOnlyList<FlowFilter> HubbleExportAllowList { get; init; } = [];

    /// <summary>Flows matching one of these are not exported.</summary>
    public IReadOnlyList<FlowFilter> HubbleExportDenyList { get; init; } = [];

    /// <summary>Prometheus /metrics address (<c>--hubble-metrics-server</c>); null: not served.</summary>
    public IPEndPoint? HubbleMetricsServer { get; init; } = new(IPAddress.Loopback, 9962);

    /// <summary>Hubble UI address (<c>--hubble-ui-listen-address</c>); null: not served.</summary>
    public IPEndPoint? HubbleUiListenAddress { get; init; }

    /// <summary>
    /// Loopback TCP port of <c>GET /healthz</c> (<c>--agent-health-port</c>, Cilium's flag and
    /// default 9879; 0 disables) for probes that cannot reach the unix socket, such as a
    /// kubelet's httpGet probe on a host-network pod. Nothing else is served there.
    /// </summary>
    public int AgentHealthPort { get; init; } = 9879;

    /// <summary>
    /// Where the pod CIDR comes from (<c>--ipam</c>, Cilium's names): <c>cluster-pool</c> (default)
    /// is <c>--pod-cidr</c>; <c>kubernetes</c> is this node's <c>Node.spec.podCIDR</c> from the API server.
    /// </summary>
    public string Ipam { get; init; } = "cluster-pool";

    /// <summary>Kubeconfig of the API server to watch (<c>--k8s-kubeconfig-path</c>, Cilium's flag); null: in-cluster or none.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>
    /// Kubernetes mode when running in a pod (<c>--enable-k8s</c>, default true): the in-cluster
    /// config (service account token, KUBERNETES_SERVICE_HOST) is used when present.
    /// </summary>
    public bool EnableK8s { get; init; } = true;

    /// <summary>The directory flags were read from (<c>--config-dir</c>), for status and logs; null: none.</summary>
    public string? ConfigDir { get; init; }

    /// <summary>Replace HTTP header values in flows with "HIDDEN".</summary>
    public bool ProxyRedactHeaderValues { get; init; }

    /// <summary>Serve plain HTTP/1.1 requests on the proxy's fast path (<c>--proxy-http1-fast-path=true|false</c>, default true).</summary>
    public bool ProxyHttp1FastPath { get; init; } = true;

    /// <summary>
    /// Socket completions run on the socket event threads instead of hopping to the
    /// thread pool (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, set by
    /// <c>Program</c> before the first socket; <c>--proxy-inline-completions=true|false</c>,
    /// default true). Together with Kestrel's inline scheduling a proxied request runs
    /// start to end on one thread; an explicit environment value wins.
    /// </summary>
    public bool ProxyInlineCompletions { get; init; } = true;

    /// <summary>
    /// Scheduler time slice (µs) asked for the proxy's I/O threads so a waking one preempts
    /// longer work on its CPU (<c>--proxy-io-slice-us N</c>, e.g. 100; default 0 = the kernel's default).
    /// </summary>
    public int ProxyIoSliceMicroseconds { get; init; }

    /// <summary>What a denied DNS query gets (<c>--tofqdns-dns-reject-response-code refused|nameError</c>, default refused).</summary>
    public DnsRejectResponseCode DnsRejectResponseCode { get; init; } = DnsRejectResponseCode.Refused;

    /// <summary>Longest hold of an allowed DNS answer while toFQDNs updates the datapath (<c>--tofqdns-proxy-response-max-delay</c>, default 1s; then SERVFAIL).</summary>
    public TimeSpan DnsProxyResponseMaxDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time a DNS server has to answer a forwarded query before the pod gets SERVFAIL (<c>--dns-proxy-upstream-timeout</c>, default 5s).</summary>
    public TimeSpan DnsProxyUpstreamTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Audit every policy on every endpoint (<c>--policy-audit-mode</c>, Cilium's flag):
    /// evaluated, never dropped or denied; would-be drops are AUDIT flows.
    /// </summary>
    public bool PolicyAuditMode { get; init; }

    /// <summary>The proxy emits no L7 flow events (<c>--disable-flows</c>; to measure their cost).</summary>
    public bool DisableFlows { get; init; }

    /// <summary>The kvstore (<c>--kvstore etcd</c>); null: a standalone node.</summary>
    public string? KvStore { get; init; }

    /// <summary>etcd client URL (<c>--kvstore-opt etcd.address=http://127.0.0.1:2379</c>).</summary>
    public Uri? KvStoreAddress => KvStoreAddresses.Count > 0 ? KvStoreAddresses[0] : null;

    /// <summary>Every etcd member's client URL (<c>etcd.address</c> given more than once: a multi-member cluster).</summary>
    public IReadOnlyList<Uri> KvStoreAddresses { get; init; } = [];

    /// <summary>TTL of the node's lease: its registration, ipcache entries and identity references vanish this long after the agent stops refreshing it.</summary>
    public TimeSpan KvStoreLeaseTtl { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often this agent deletes identities no node references (<c>--identity-gc-interval</c>; 0 = never).</summary>
    public TimeSpan IdentityGcInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Cluster name (<c>--cluster-name</c>), part of the ipcache and node keys.</summary>
    public string ClusterName { get; init; } = "default";

    /// <summary>Cluster id 0-255 (<c>--cluster-id</c>).</summary>
    public int ClusterId { get; init; }

    /// <summary>This node's IPv4 address (<c>--ipv4-node</c>); other nodes route this node's pod CIDR through it. Default: the first global address outside the pods' veths.</summary>
    public IPAddress? NodeIpv4 { get; init; }

    /// <summary>The <c>--tofqdns-*</c> flags (FQDN cache for toFQDNs).</summary>
    public Fqdn.FqdnOptions Fqdn { get; init; } = new();

    /// <summary>True for <c>ciliuml7-agent cleanup</c>.</summary>
    public bool Cleanup { get; init; }

    /// <summary>Path of the REST API socket.</summary>
    public string SocketPath => Path.Combine(StateDir, "agent.sock");

    public const string Usage = """
        usage: ciliuml7-agent [cleanup] [flags]

          --state-dir DIR     state and API socket (agent.sock)   default /var/run/ciliuml7
          --bpf-root DIR      bpffs directory for pins            default /sys/fs/bpf/ciliuml7
          --policy-dir DIR    watched policy directory            default /etc/ciliuml7/policies
          --pod-cidr CIDR     IPv4 pod CIDR of this node          default 10.244.0.0/24
          --node-name NAME    node name                           default the hostname
          --bpf-dir DIR       compiled BPF objects                default bpf/ next to the executable
          --procfs DIR        procfs whose sys/net the agent writes (forwarding)  default /proc
          --service-cidr CIDR ClusterIP service VIPs                default 10.96.0.0/16
          --proxy-ports A-B   proxy listener port range           default 15000-15999
          --proxy-redact-header-values   show HTTP header values in flows as HIDDEN
          --disable-flows     the proxy emits no L7 flow events (to measure their cost)
          --policy-audit-mode audit every policy: nothing is dropped, would-be drops are AUDIT flows
          --proxy-http1-fast-path=true|false  plain HTTP/1.1 requests skip Kestrel+YARP  default true
          --proxy-inline-completions=true|false  socket completions on the event threads   default true
          --proxy-io-slice-us N  scheduler slice of the proxy's I/O threads, e.g. 100 (0: kernel's)  default 0
          --agent-health-port PORT  GET /healthz on 127.0.0.1:PORT (0: off)   default 9879
          --config-dir DIR    read flags from DIR: one file per flag, named without "--",
                              holding the value (a mounted ConfigMap); the command line wins

        Kubernetes (policies from the API server beside the policy directory and `policy import`):
          --k8s-kubeconfig-path PATH  watch the API server of this kubeconfig       default none
          --enable-k8s=true|false     in a pod, use its in-cluster config           default true
          --ipam cluster-pool|kubernetes  pod CIDR from --pod-cidr, or from this node's
                                      Node.spec.podCIDR (needs the API server)      default cluster-pool

        DNS proxy (pods whose egress has DNS rules):
          --tofqdns-dns-reject-response-code refused|nameError  answer to a denied query  default refused
          --tofqdns-proxy-response-max-delay DURATION  longest hold of an allowed answer while
                                             toFQDNs updates the datapath, then SERVFAIL    default 1s
          --dns-proxy-upstream-timeout DURATION  DNS server answer time, then SERVFAIL     default 5s

        Hubble (flows, metrics):
          --hubble-listen-address ADDR:PORT  Observer gRPC over TCP (":4244" = all addresses; "" disables)
                                             default 127.0.0.1:4244 (unix socket <state-dir>/hubble.sock always)
          --hubble-flow-buffer-size N        flows kept in the ring, 2^n-1             default 4095
          --hubble-export-file-path PATH     append flows as JSON lines to PATH        default off
          --hubble-export-file-max-size-mb N rotate the export file beyond N MiB       default 10
          --hubble-export-file-max-backups N rotated export files kept                 default 5
          --hubble-export-allowlist JSON     export only flows matching these FlowFilters (object or array)
          --hubble-export-denylist JSON      do not export flows matching these FlowFilters
          --hubble-metrics-server ADDR:PORT  Prometheus /metrics ("" disables)         default 127.0.0.1:9962
          --hubble-ui-listen-address ADDR:PORT  the Hubble UI (service map, flows)     default off (e.g. 127.0.0.1:12000)

        Cluster (kvstore mode; without --kvstore the node is standalone):
          --kvstore etcd                     identities, ipcache and nodes in etcd
          --kvstore-opt etcd.address=URL     etcd client URL, e.g. http://127.0.0.1:2379 (repeat it,
                                             or etcd.address=A,etcd.address=B, for each member)
          --kvstore-lease-ttl DURATION       TTL of the node's lease (15m, 30s, ...)   default 15m
          --identity-gc-interval DURATION    delete identities no node uses (0: never) default 15m
          --cluster-name NAME                cluster name                              default default
          --cluster-id N                     cluster id 0-255                          default 0
          --ipv4-node ADDR                   this node's address (routes to its pods)  default first global address

        toFQDNs (names learned from DNS answers the DNS proxy allowed):
          --tofqdns-min-ttl SECONDS                   a learned address lives at least this long (0 = the answer's TTL)  default 0
          --tofqdns-endpoint-max-ip-per-hostname N    addresses kept per name and endpoint         default 50
          --tofqdns-endpoint-max-names N              names kept per endpoint                      default 1000
          --tofqdns-max-deferred-connection-deletes N expired addresses kept for open connections  default 10000
          --tofqdns-idle-connection-grace-period D    an idle connection keeps an expired address this long (10s, 2m)  default 0s

        cleanup removes every program, pin, route, rule, link and file the agent created.
        """;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with a clear message on bad input.</summary>
    public static AgentOptions Parse(IReadOnlyList<string> args)
    {
        var options = new AgentOptions();
        var configDir = ConfigDirectory.Find(args);
        var fromDir = 0;
        if (configDir is not null)
        {
            // Flags from the directory first, so the command line wins over them.
            var dirFlags = ConfigDirectory.ReadFlags(configDir);
            fromDir = dirFlags.Count;
            args = [.. dirFlags, .. args];
            options = options with { ConfigDir = configDir };
        }
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inlineValue = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{arg} needs a value");
                }
                return args[++i];
            }
            try
            {
                options = arg switch
                {
                    "cleanup" when i == fromDir => options with { Cleanup = true },
                    "--state-dir" => options with { StateDir = Value() },
                    "--bpf-root" => options with { BpfRoot = Value() },
                    "--policy-dir" => options with { PolicyDir = Value() },
                    "--pod-cidr" => options with { PodCidr = Value() },
                    "--node-name" => options with { NodeName = Value() },
                    "--bpf-dir" => options with { BpfDir = Value() },
                    "--procfs" => options with { Procfs = Value() },
                    "--service-cidr" => options with { ServiceCidr = Value() },
                    "--proxy-ports" => WithProxyPorts(options, Value()),
                    "--proxy-redact-header-values" => options with { ProxyRedactHeaderValues = Bool(arg, inlineValue) },
                    "--disable-flows" => options with { DisableFlows = Bool(arg, inlineValue) },
                    "--policy-audit-mode" => options with { PolicyAuditMode = Bool(arg, inlineValue) },
                    "--proxy-http1-fast-path" => options with { ProxyHttp1FastPath = Bool(arg, inlineValue) },
                    "--proxy-inline-completions" => options with { ProxyInlineCompletions = Bool(arg, inlineValue) },
                    "--proxy-io-slice-us" => options with { ProxyIoSliceMicroseconds = IntRange(arg, Value(), 0, 100_000) },
                    "--tofqdns-dns-reject-response-code" => options with { DnsRejectResponseCode = RejectCode(arg, Value()) },
                    "--tofqdns-proxy-response-max-delay" => options with { DnsProxyResponseMaxDelay = Duration(arg, Value(), max: TimeSpan.FromHours(1)) },
                    "--dns-proxy-upstream-timeout" => options with { DnsProxyUpstreamTimeout = Duration(arg, Value(), allowZero: false, max: TimeSpan.FromHours(1)) },
                    "--hubble-listen-address" => options with { HubbleListenAddress = EndPointOrNull(arg, Value()) },
                    "--hubble-flow-buffer-size" => options with { HubbleFlowBufferSize = RingSize(arg, Value()) },
                    "--hubble-export-file-path" => options with { HubbleExportFilePath = Value() is { Length: > 0 } path ? path : null },
                    "--hubble-export-file-max-size-mb" => options with { HubbleExportFileMaxSizeMb = Int(arg, Value(), 1) },
                    "--hubble-export-file-max-backups" => options with { HubbleExportFileMaxBackups = Int(arg, Value(), 0) },
                    "--hubble-export-allowlist" => options with { HubbleExportAllowList = FlowFilterFlag.Parse(arg, Value()) },
                    "--hubble-export-denylist" => options with { HubbleExportDenyList = FlowFilterFlag.Parse(arg, Value()) },
                    "--hubble-metrics-server" => options with { HubbleMetricsServer = EndPointOrNull(arg, Value()) },
                    "--kvstore" => options with { KvStore = KvStoreKind(Value()) },
                    "--kvstore-opt" => WithKvStoreOpts(options, Value()),
                    "--kvstore-lease-ttl" => options with { KvStoreLeaseTtl = Duration(arg, Value(), allowZero: false) },
                    "--identity-gc-interval" => options with { IdentityGcInterval = Duration(arg, Value(), allowZero: true) },
                    "--cluster-name" => options with { ClusterName = ClusterNameOf(Value()) },
                    "--cluster-id" => options with { ClusterId = IntRange(arg, Value(), 0, 255) },
                    "--ipv4-node" => options with { NodeIpv4 = Ipv4(arg, Value()) },
                    "--tofqdns-min-ttl" => options with { Fqdn = options.Fqdn with { MinTtl = TimeSpan.FromSeconds(Int(arg, Value(), 0)) } },
                    "--tofqdns-endpoint-max-ip-per-hostname" => options with { Fqdn = options.Fqdn with { MaxIpsPerHostname = Int(arg, Value(), 1) } },
                    "--tofqdns-endpoint-max-names" => options with { Fqdn = options.Fqdn with { MaxNamesPerEndpoint = Int(arg, Value(), 1) } },
                    "--tofqdns-max-deferred-connection-deletes" => options with { Fqdn = options.Fqdn with { MaxDeferredConnectionDeletes = Int(arg, Value(), 0) } },
                    "--tofqdns-idle-connection-grace-period" => options with { Fqdn = options.Fqdn with { IdleConnectionGracePeriod = Duration(arg, Value(), max: TimeSpan.FromDays(7)) } },
                    "--hubble-ui-listen-address" => options with { HubbleUiListenAddress = EndPointOrNull(arg, Value()) },
                    "--k8s-kubeconfig-path" => options with { KubeconfigPath = Value() is { Length: > 0 } kubeconfig ? kubeconfig : null },
                    "--enable-k8s" => options with { EnableK8s = Bool(arg, inlineValue) },
                    "--ipam" => options with { Ipam = IpamMode(Value()) },
                    "--agent-health-port" => options with { AgentHealthPort = IntRange(arg, Value(), 0, 65535) },
                    "--config-dir" => Skip(options, Value()),
                    _ when i < fromDir => throw new ArgumentException($"--config-dir \"{configDir}\": file \"{arg[2..]}\" is not a flag of ciliuml7-agent; rename or remove it (see --help)"),
                    _ => throw new ArgumentException($"unknown argument \"{args[i]}\""),
                };
            }
            catch (ArgumentException e) when (i < fromDir && !e.Message.StartsWith("--config-dir", StringComparison.Ordinal))
            {
                throw new ArgumentException($"--config-dir \"{configDir}\", file \"{arg[2..]}\": {e.Message}", e);
            }
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentException e) when (configDir is not null && ConfigDirectory.FlagOf(e.Message) is { } flag
            && File.Exists(Path.Combine(configDir, flag)) && !args.Skip(fromDir).Any(a => a == "--" + flag || a.StartsWith("--" + flag + "=", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"--config-dir \"{configDir}\", file \"{flag}\": {e.Message}", e);
        }
        return options;
    }

    private static AgentOptions Skip(AgentOptions options, string _) => options; // read before the loop

    private static string IpamMode(string value) => value is "kubernetes" or "cluster-pool"
        ? value
        : throw new ArgumentException($"--ipam \"{value}\" is not supported; use cluster-pool (--pod-cidr) or kubernetes (the Node's spec.podCIDR)");

    private static AgentOptions WithProxyPorts(AgentOptions options, string value)
    {
        var parts = value.Split('-');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var min) || !int.TryParse(parts[1], out var max) || min < 1 || max > 65535 || min > max)
        {
            throw new ArgumentException($"--proxy-ports \"{value}\" is not a port range like 15000-15999");
        }
        return options with { ProxyPortMin = min, ProxyPortMax = max };
    }

    private static string? KvStoreKind(string value) => value switch
    {
        "" => null,
        "etcd" => "etcd",
        _ => throw new ArgumentException($"--kvstore \"{value}\" is not supported; use --kvstore etcd (or \"\" for a standalone node)"),
    };

    private static AgentOptions WithKvStoreOpts(AgentOptions options, string value)
    {
        foreach (var pair in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            var v = eq < 0 ? "" : pair[(eq + 1)..];
            if (key != "etcd.address")
            {
                throw new ArgumentException($"--kvstore-opt \"{pair}\": unknown option \"{key}\"; supported: etcd.address=http://HOST:PORT");
            }
            var text = v.Contains("://", StringComparison.Ordinal) ? v : "http://" + v;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "http")
            {
                throw new ArgumentException($"--kvstore-opt etcd.address \"{v}\" is not an etcd client URL like http://127.0.0.1:2379 (plain http; TLS is not supported)");
            }
            options = options with { KvStoreAddresses = [.. options.KvStoreAddresses.Where(a => a != uri), uri] };
        }
        return options;
    }

    /// <summary>"500ms", "30s", "15m", "1h" or plain seconds; more than 0 unless <paramref name="allowZero"/>, at most <paramref name="max"/>.</summary>
    internal static TimeSpan Duration(string flag, string value, bool allowZero = true, TimeSpan? max = null)
    {
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600) };
        foreach (var (suffix, seconds) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(value[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
            {
                return Check(TimeSpan.FromSeconds(n * seconds));
            }
        }
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) && plain >= 0)
        {
            return Check(TimeSpan.FromSeconds(plain));
        }
        throw new ArgumentException($"{flag} \"{value}\" is not a duration like 0s, 30s, 2m or 1h (units ms, s, m, h)");

        TimeSpan Check(TimeSpan t)
        {
            if (t == TimeSpan.Zero && !allowZero)
            {
                throw new ArgumentException($"{flag} \"{value}\" must be more than 0");
            }
            return t <= (max ?? TimeSpan.MaxValue) ? t : throw new ArgumentException($"{flag} \"{value}\" is longer than the most it takes ({max})");
        }
    }

    private static string ClusterNameOf(string value)
    {
        if (value.Length is 0 or > 32 || !value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') || value[0] == '-' || value[^1] == '-')
        {
            throw new ArgumentException($"--cluster-name \"{value}\" must be 1-32 characters of a-z, 0-9 and '-', not starting or ending with '-'");
        }
        return value;
    }

    private static int IntRange(string flag, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new ArgumentException($"{flag} \"{value}\" is not a whole number between {min} and {max}");
        }
        return n;
    }

    private static IPAddress Ipv4(string flag, string value) =>
        IPAddress.TryParse(value, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? ip
            : throw new ArgumentException($"{flag} \"{value}\" is not an IPv4 address");

    private static bool Bool(string flag, string? inlineValue) => inlineValue switch
    {
        null or "true" => true,
        "false" => false,
        _ => throw new ArgumentException($"{flag} \"{inlineValue}\" is not true or false"),
    };

    private static DnsRejectResponseCode RejectCode(string flag, string value) => value switch
    {
        "refused" => DnsRejectResponseCode.Refused,
        "nameError" => DnsRejectResponseCode.NameError,
        _ => throw new ArgumentException($"{flag} \"{value}\" is not refused or nameError"),
    };

    /// <summary>A Go-style duration: "100ms", "2s", "1m", or a bare number of milliseconds.</summary>
    private static int Int(string flag, string value, int min)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min)
        {
            throw new ArgumentException($"{flag} \"{value}\" is not a whole number >= {min}");
        }
        return n;
    }

    /// <summary>A Go-style duration as Cilium's flags take it: "0s", "30s", "2m", "1h", or plain seconds.</summary>
    private static int RingSize(string flag, string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > (1 << 24) - 1 || ((n + 1) & n) != 0)
        {
            throw new ArgumentException($"{flag} \"{value}\" must be a power of two minus one between 1 and 16777215 (e.g. 4095, 8191, 65535)");
        }
        return n;
    }

    /// <summary>"ADDR:PORT", ":PORT" (all addresses) or "[v6]:PORT"; "" = disabled.</summary>
    private static IPEndPoint? EndPointOrNull(string flag, string value)
    {
        if (value.Length == 0)
        {
            return null;
        }
        var text = value.StartsWith(':') ? "0.0.0.0" + value : value;
        if (!IPEndPoint.TryParse(text, out var endPoint) || endPoint.Port == 0 || text.LastIndexOf(':') < 0 || text.EndsWith(']'))
        {
            throw new ArgumentException($"{flag} \"{value}\" is not ADDR:PORT (e.g. 127.0.0.1:4244, :4244; \"\" disables)");
        }
        return endPoint;
    }

    private void Validate()
    {
        var slash = PodCidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(PodCidr[..slash], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(PodCidr[(slash + 1)..], out var bits) || bits < 8 || bits > 30)
        {
            throw new ArgumentException($"--pod-cidr \"{PodCidr}\" is not an IPv4 CIDR with a prefix between /8 and /30 (e.g. 10.244.0.0/24)");
        }
        if (!System.Net.IPNetwork.TryParse(ServiceCidr, out _))
        {
            throw new ArgumentException($"--service-cidr \"{ServiceCidr}\" is not a CIDR (e.g. 10.96.0.0/16)");
        }
        if (string.IsNullOrWhiteSpace(NodeName) || NodeName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"--node-name \"{NodeName}\" must not be empty or contain '/'");
        }
        if (KvStore is not null && KvStoreAddress is null)
        {
            throw new ArgumentException("--kvstore etcd needs --kvstore-opt etcd.address=http://HOST:PORT");
        }
    }
}
