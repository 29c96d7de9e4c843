using System.Net;
using CiliumL7.Hubble.Export;
using CiliumL7.Hubble.Ring;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Hubble.Server;

/// <summary>Settings of a <see cref="HubbleServer"/>.</summary>
public sealed class HubbleServerOptions
{
    /// <summary>Hubble's agent port.</summary>
    public const int DefaultTcpPort = 4244;

    /// <summary>The node name flows and GetNodes report.</summary>
    public string NodeName { get; init; } = Environment.MachineName;

    /// <summary>Version string for ServerStatus/GetNodes.</summary>
    public string Version { get; init; } = "ciliuml7-" + (typeof(HubbleServerOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>Unix socket of the Observer API, normally &lt;state-dir&gt;/hubble.sock; null: none.</summary>
    public string? UnixSocketPath { get; init; }

    /// <summary>TCP endpoint of the Observer API (default 127.0.0.1:4244; port 0 picks a free one); null: none.</summary>
    public IPEndPoint? TcpEndPoint { get; init; } = new(IPAddress.Loopback, DefaultTcpPort);

    /// <summary>Ring capacity, 2^n - 1 (default 4095).</summary>
    public int RingCapacity { get; init; } = FlowRing.DefaultCapacity;

    /// <summary>JSON-lines export file; null: no export.</summary>
    public FlowExportOptions? Export { get; init; }

    /// <summary>Prometheus /metrics endpoint (Cilium uses :9962); null: not served (metrics still kept).</summary>
    public IPEndPoint? MetricsEndPoint { get; init; }

    /// <summary>Logger factory for the server's own messages; null: silent.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The conventional socket path under a state directory.</summary>
    public static string SocketPathIn(string stateDirectory) => Path.Combine(stateDirectory, "hubble.sock");

    /// <summary>The cluster's nodes for the Peer service (null: this node only).</summary>
    public Services.IPeerSource? Peers { get; init; }
}
