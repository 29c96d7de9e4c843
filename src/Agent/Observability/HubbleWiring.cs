using System.Net;
using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.L7;
using CiliumL7.Hubble.Server;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Observability;

/// <summary>Starts the node's Hubble server and connects the flow producers to it.</summary>
internal static class HubbleWiring
{
    public static async Task<HubbleServer> StartAsync(AgentOptions options, EndpointManager endpoints, AgentFlowSink flows, INodeDatapath datapath, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("CiliumL7.Agent.Hubble");
        var socket = HubbleServerOptions.SocketPathIn(options.StateDir);
        if (File.Exists(socket))
        {
            File.Delete(socket); // stale socket of a killed agent
        }
        var hubble = new HubbleServer(new HubbleServerOptions
        {
            NodeName = options.NodeName,
            UnixSocketPath = socket,
            TcpEndPoint = new IPEndPoint(IPAddress.Loopback, HubbleServerOptions.DefaultTcpPort),
            LoggerFactory = loggers,
        });
        try
        {
            await hubble.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // :4244 taken (another agent in this network namespace): serve the unix socket only.
            logger.LogWarning("Hubble on 127.0.0.1:4244 unavailable ({Reason}); serving unix://{Socket} only", e.Message, socket);
            await hubble.DisposeAsync().ConfigureAwait(false);
            if (File.Exists(socket))
            {
                File.Delete(socket);
            }
            hubble = new HubbleServer(new HubbleServerOptions { NodeName = options.NodeName, UnixSocketPath = socket, TcpEndPoint = null, LoggerFactory = loggers });
            await hubble.StartAsync().ConfigureAwait(false);
        }
        var feed = new HubbleFlows(hubble, endpoints);
        flows.Observer = feed.OnL7;
        if (datapath is BpfNodeDatapath bpf)
        {
            bpf.EventObserver = feed.OnDatapath;
        }
        return hubble;
    }
}
