using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Logging;
using CiliumL7.Agent.Policies;
using CiliumL7.Agent.Regeneration;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent;

/// <summary>Chooses the implementation of each pluggable subsystem (datapath, policy engine, proxy).</summary>
internal static class AgentComponents
{
    public static IPolicyValidator CreateValidator() => new BasicPolicyValidator();

    public static IPolicyEngine CreateEngine(EndpointManager endpoints) => new NoPolicyEngine();

    public static INodeDatapath CreateDatapath(AgentOptions options, DropRecorder drops, ILoggerFactory loggers)
    {
        var reason = $"eBPF datapath not built into this agent (objects expected in {options.BpfDir})";
        Log.DatapathDisabled(loggers.CreateLogger("CiliumL7.Agent.Datapath"), reason);
        return new NullDatapath(options.BpfRoot, reason);
    }

    public static IProxyIntegration CreateProxy(AgentOptions options, EndpointManager endpoints, DropRecorder drops, ILoggerFactory loggers) => new NoProxy();
}
