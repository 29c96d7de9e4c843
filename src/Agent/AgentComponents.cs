using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.L7;
using CiliumL7.Agent.Logging;
using CiliumL7.Agent.Policies;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Proxy;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent;

/// <summary>Builds each pluggable subsystem; a subsystem that cannot start is reported in <c>status</c>, never fatal.</summary>
internal static class AgentComponents
{
    public static IPolicyValidator CreateValidator() => new ParserPolicyValidator();

    public static IPolicyEngine CreateEngine(AgentOptions options, EndpointManager endpoints) =>
        new ResolverPolicyEngine(endpoints, new ProxyPortAllocator(Path.Combine(options.StateDir, "redirects.json"), options.ProxyPortMin, options.ProxyPortMax))
        {
            AuditAll = options.PolicyAuditMode,
        };

    public static INodeDatapath CreateDatapath(AgentOptions options, DropRecorder drops, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("CiliumL7.Agent.Datapath");
        var from = Path.Combine(options.BpfDir, "from-container.o");
        var to = Path.Combine(options.BpfDir, "to-container.o");
        if (!File.Exists(from) || !File.Exists(to))
        {
            var reason = $"BPF objects not found ({from}, {to}); build them with `make bpf` or pass --bpf-dir";
            Log.DatapathDisabled(logger, reason);
            return new NullDatapath(options.BpfRoot, reason);
        }
        try
        {
            return BpfNodeDatapath.Open(options.BpfDir, options.BpfRoot, drops, logger);
        }
        catch (Exception e)
        {
            Log.DatapathFailed(logger, "load programs and maps", e);
            return new NullDatapath(options.BpfRoot, "loading the eBPF datapath failed: " + e.Message, "Failure");
        }
    }

    public static IProxyIntegration CreateProxy(AgentOptions options, AgentFlowSink flows, INodeDatapath datapath, ILoggerFactory loggers, RemotePeers? remote = null)
    {
        try
        {
            return new L7ProxyIntegration(new ProxyOptions
            {
                RedactHeaderValues = options.ProxyRedactHeaderValues,
                EmitFlows = !options.DisableFlows,
                Http1FastPath = options.ProxyHttp1FastPath,
                IoThreadSlice = TimeSpan.FromMicroseconds(options.ProxyIoSliceMicroseconds),
                DnsRejectResponseCode = options.DnsRejectResponseCode,
                DnsResponseMaxDelay = options.DnsProxyResponseMaxDelay,
                DnsUpstreamTimeout = options.DnsProxyUpstreamTimeout,
            }, flows, loggers, datapath as IProxyListenerRegistry, remote);
        }
        catch (Exception e)
        {
            Log.ProxyFailed(loggers.CreateLogger("CiliumL7.Agent.Proxy"), "start the L7 proxy", e);
            return new NoProxy("the L7 proxy failed to start: " + e.Message);
        }
    }
}
