using System.Net;
using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.L7;
using CiliumL7.Agent.Logging;
using CiliumL7.Hubble.Export;
using CiliumL7.Hubble.Server;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.Observability;

/// <summary>Starts the node's Hubble server and connects the flow producers to it.</summary>
internal static class HubbleWiring
{
    public static async Task<HubbleServer> StartAsync(AgentOptions options, EndpointManager endpoints, AgentFlowSink flows, INodeDatapath datapath, PolicyCookieNames cookies, ILoggerFactory loggers, Func<long>? policyRevision = null, CiliumL7.Hubble.Services.IPeerSource? peers = null)
    {
        var logger = loggers.CreateLogger("CiliumL7.Agent.Hubble");
        var socket = HubbleServerOptions.SocketPathIn(options.StateDir);
        if (File.Exists(socket))
        {
            File.Delete(socket); // stale socket of a killed agent
        }
        var export = options.HubbleExportFilePath is { } exportPath
            ? new FlowExportOptions
            {
                FilePath = exportPath,
                MaxSizeBytes = options.HubbleExportFileMaxSizeMb * 1024L * 1024L,
                MaxBackups = options.HubbleExportFileMaxBackups,
                AllowList = options.HubbleExportAllowList,
                DenyList = options.HubbleExportDenyList,
            }
            : null;
        if (export is not null)
        {
            CheckWritable(export.FilePath);
        }
        HubbleServer Create(IPEndPoint? tcp, IPEndPoint? metrics) => new(new HubbleServerOptions
        {
            NodeName = options.NodeName,
            UnixSocketPath = socket,
            TcpEndPoint = tcp,
            RingCapacity = options.HubbleFlowBufferSize,
            Export = export,
            MetricsEndPoint = metrics,
            LoggerFactory = loggers,
            Peers = peers,
        });

        // Taken ports cost those listeners only (metrics first, then the TCP Observer), never the agent.
        var attempts = new List<(IPEndPoint? Tcp, IPEndPoint? Metrics)>();
        foreach (var attempt in new[]
        {
            (options.HubbleListenAddress, options.HubbleMetricsServer),
            (options.HubbleListenAddress, null),
            (null, options.HubbleMetricsServer),
            ((IPEndPoint?)null, (IPEndPoint?)null),
        })
        {
            if (!attempts.Contains(attempt))
            {
                attempts.Add(attempt);
            }
        }
        for (var i = 0; ; i++)
        {
            var (tcp, metrics) = attempts[i];
            var hubble = Create(tcp, metrics);
            try
            {
                await hubble.StartAsync().ConfigureAwait(false);
                Connect(hubble, endpoints, flows, datapath, cookies, policyRevision);
                return hubble;
            }
            catch (Exception e) when (i < attempts.Count - 1 && e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                var next = attempts[i + 1];
                Log.HubbleListenerRetry(logger, e.Message, next.Tcp?.ToString() ?? "off", next.Metrics?.ToString() ?? "off");
                await hubble.DisposeAsync().ConfigureAwait(false);
                if (File.Exists(socket))
                {
                    File.Delete(socket);
                }
            }
        }
    }

    /// <summary>Fails the start with a clear message when the export file cannot be created or appended to.</summary>
    private static void CheckWritable(string path)
    {
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } dir)
            {
                Directory.CreateDirectory(dir);
            }
            using var probe = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new AgentConfigurationException($"--hubble-export-file-path \"{path}\" cannot be written: {e.Message}", e);
        }
    }

    private static void Connect(HubbleServer hubble, EndpointManager endpoints, AgentFlowSink flows, INodeDatapath datapath, PolicyCookieNames cookies, Func<long>? policyRevision)
    {
        var feed = new HubbleFlows(hubble, endpoints, cookies, policyRevision);
        flows.Observer = feed;
        hubble.AddLostEventsSource("OBSERVER_EVENTS_QUEUE", () => flows.Lost);
        if (datapath is BpfNodeDatapath bpf)
        {
            bpf.EventObserver = feed.OnDatapath;
        }
    }
}
