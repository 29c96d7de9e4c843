using System.Net;

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

    /// <summary>CIDR ClusterIP service VIPs are allocated from (distinct per agent on one host).</summary>
    public string ServiceCidr { get; init; } = "10.96.0.0/16";

    /// <summary>First port of the range proxy listeners are allocated from.</summary>
    public int ProxyPortMin { get; init; } = 15000;

    /// <summary>Last port of the proxy range.</summary>
    public int ProxyPortMax { get; init; } = 15999;

    /// <summary>Seconds between policy directory rescans (the watcher's fallback).</summary>
    public double PolicyRescanSeconds { get; init; } = 5;

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
          --service-cidr CIDR ClusterIP service VIPs                default 10.96.0.0/16
          --proxy-ports A-B   proxy listener port range           default 15000-15999

        cleanup removes every program, pin, route, rule, link and file the agent created.
        """;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with a clear message on bad input.</summary>
    public static AgentOptions Parse(IReadOnlyList<string> args)
    {
        var options = new AgentOptions();
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
            options = arg switch
            {
                "cleanup" when i == 0 => options with { Cleanup = true },
                "--state-dir" => options with { StateDir = Value() },
                "--bpf-root" => options with { BpfRoot = Value() },
                "--policy-dir" => options with { PolicyDir = Value() },
                "--pod-cidr" => options with { PodCidr = Value() },
                "--node-name" => options with { NodeName = Value() },
                "--bpf-dir" => options with { BpfDir = Value() },
                "--service-cidr" => options with { ServiceCidr = Value() },
                "--proxy-ports" => WithProxyPorts(options, Value()),
                _ => throw new ArgumentException($"unknown argument \"{args[i]}\""),
            };
        }
        options.Validate();
        return options;
    }

    private static AgentOptions WithProxyPorts(AgentOptions options, string value)
    {
        var parts = value.Split('-');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var min) || !int.TryParse(parts[1], out var max) || min < 1 || max > 65535 || min > max)
        {
            throw new ArgumentException($"--proxy-ports \"{value}\" is not a port range like 15000-15999");
        }
        return options with { ProxyPortMin = min, ProxyPortMax = max };
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
        if (string.IsNullOrWhiteSpace(NodeName))
        {
            throw new ArgumentException("--node-name must not be empty");
        }
    }
}
