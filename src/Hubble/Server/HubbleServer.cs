using System.Net;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Events;
using CiliumL7.Hubble.Export;
using CiliumL7.Hubble.Logging;
using CiliumL7.Hubble.Metrics;
using CiliumL7.Hubble.Services;
using CiliumL7.Hubble.Ring;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Hubble.Server;

/// <summary>
/// The node's Hubble: flow ring, Observer + Peer gRPC (HTTP/2 on a unix socket
/// and TCP), flow metrics, optional JSON export and /metrics endpoint.
/// </summary>
/// <remarks>
/// <code>
///   proxy / datapath ──Publish(flow)──► FlowMetrics (sync counters)
///                                   └─► FlowRing ──► GetFlows streams (gRPC)
///                                                └─► FlowExporter (file, own task)
/// </code>
/// The ring exists from construction, so flows published before
/// <see cref="StartAsync"/> are kept.
/// </remarks>
public sealed class HubbleServer : IFlowPublisher, IAsyncDisposable
{
    /// <summary>Largest gRPC request message (and HTTP/2 request body) the server accepts; larger ones get RESOURCE_EXHAUSTED.</summary>
    public const int MaxRequestBytes = 1024 * 1024;

    private readonly HubbleServerOptions _options;
    private readonly ILogger _logger;
    private WebApplication? _app;
    private FlowExporter? _exporter;
    private MetricsEndpoint? _metricsEndpoint;
    private CancellationTokenSource? _stopping;
    private readonly RingMetricsSource _ringMetrics;

    /// <summary>Creates the server (nothing listens until <see cref="StartAsync"/>).</summary>
    public HubbleServer(HubbleServerOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger("CiliumL7.Hubble") ?? NullLogger.Instance;
        Ring = new FlowRing(options.RingCapacity);
        AgentEvents = new AgentEventBuffer();
        Metrics = new MetricsRegistry();
        FlowMetrics = new FlowMetrics(Metrics);
        _ringMetrics = new RingMetricsSource(Ring);
        Metrics.AddSource(_ringMetrics);
        StartedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The flow ring (read it with a <see cref="FlowRingReader"/>; publish through <see cref="Publish(Flow)"/>).</summary>
    public FlowRing Ring { get; }

    /// <summary>The node's agent events (GetAgentEvents); publish with <see cref="AgentEventBuffer.Publish"/>.</summary>
    public AgentEventBuffer AgentEvents { get; }

    /// <summary>All metrics this node exposes; the agent may add its own families and sources.</summary>
    public MetricsRegistry Metrics { get; }

    /// <summary>The flow-derived metrics.</summary>
    public FlowMetrics FlowMetrics { get; }

    /// <summary>The exporter, when export is configured and the server started.</summary>
    public FlowExporter? Exporter => _exporter;

    /// <summary>When the server object was created (uptime origin).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The node name.</summary>
    public string NodeName => _options.NodeName;

    /// <summary>The unix socket path when listening on one.</summary>
    public string? UnixSocketPath => _options.UnixSocketPath;

    /// <summary>The bound TCP port of the Observer API once started (null when TCP is disabled).</summary>
    public int? TcpPort { get; private set; }

    /// <summary>The bound port of /metrics once started (null when not served).</summary>
    public int? MetricsPort { get; private set; }

    /// <summary>
    /// Reports events a producer lost before they reached the ring (e.g. its queue was
    /// full) as <c>hubble_lost_events_total{source="<paramref name="source"/>"}</c>, read at scrape time.
    /// Hubble's sources: <c>OBSERVER_EVENTS_QUEUE</c> (also reported to GetFlows followers as
    /// LostEvents when it grows), <c>PERF_EVENT_RING_BUFFER</c>.
    /// </summary>
    public void AddLostEventsSource(string source, Func<long> count)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(count);
        _ringMetrics.AddLostEvents(source, count);
    }

    /// <summary>Stamps time/uuid/node_name if empty, counts the flow in metrics and appends it to the ring.</summary>
    public void Publish(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        flow.Time ??= Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        if (flow.Uuid.Length == 0)
        {
            flow.Uuid = NewUuid();
        }
        if (flow.NodeName.Length == 0)
        {
            flow.NodeName = _options.NodeName;
        }
        FlowMetrics.Observe(flow);
        Ring.Publish(flow);
    }

    /// <summary>
    /// Stamps uuid and node name, counts the flow in metrics from its compact form and appends
    /// it to the ring, where it is built into a <see cref="Flow"/> only when read.
    /// </summary>
    public void Publish(DeferredFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        flow.Stamp(NewGuid(), _options.NodeName);
        flow.Count(FlowMetrics);
        Ring.Publish(flow);
    }

    /// <summary>
    /// A random (version 4) UUID from a fast PRNG: unique per flow is all Hubble needs, and
    /// Guid.NewGuid's kernel randomness costs more than the rest of Publish.
    /// </summary>
    internal static string NewUuid() => NewGuid().ToString();

    private static Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 (Guid's little-endian field layout)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }

    /// <summary>Binds the listeners and starts the exporter.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("the Hubble server is already started");
        }
        try
        {
            if (_options.Export is { } export)
            {
                _exporter = new FlowExporter(export, Ring, _options.NodeName, _logger);
                _exporter.Start();
            }
            if (_options.UnixSocketPath is not null || _options.TcpEndPoint is not null)
            {
                await StartGrpcAsync(cancellationToken).ConfigureAwait(false);
            }
            if (_options.MetricsEndPoint is { } metricsEndPoint)
            {
                _metricsEndpoint = new MetricsEndpoint(Metrics, metricsEndPoint);
                await _metricsEndpoint.StartAsync(cancellationToken).ConfigureAwait(false);
                MetricsPort = _metricsEndpoint.Port;
                Log.MetricsListening(_logger, _metricsEndpoint.Port);
            }
        }
        catch (IOException e)
        {
            // Leave nothing half-started (exporter task, one of two listeners).
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw new IOException(
                $"Hubble cannot listen (socket {_options.UnixSocketPath ?? "none"}, tcp {_options.TcpEndPoint?.ToString() ?? "none"}, metrics {_options.MetricsEndPoint?.ToString() ?? "none"}): {e.Message}. Pick another address or disable that listener.",
                e);
        }
    }

    /// <summary>Stops the listeners (ending open streams), flushes the exporter and removes the socket.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_metricsEndpoint is { } metrics)
        {
            _metricsEndpoint = null;
            await metrics.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_stopping is { } stopping)
        {
            // End open GetFlows/Notify streams first so Kestrel need not wait for them.
            await stopping.CancelAsync().ConfigureAwait(false);
        }
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            if (_options.UnixSocketPath is { } path)
            {
                File.Delete(path);
            }
        }
        _stopping?.Dispose();
        _stopping = null;
        if (_exporter is { } exporter)
        {
            _exporter = null;
            await exporter.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task StartGrpcAsync(CancellationToken cancellationToken)
    {
        var node = new HubbleNode(_options.NodeName, _options.Version, NodeAddress(), StartedAt);
        _stopping = new CancellationTokenSource();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        if (_options.LoggerFactory is { } loggerFactory)
        {
            builder.Services.AddSingleton(loggerFactory);
        }
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBytes;
            kestrel.Limits.Http2.MaxRequestHeaderFieldSize = 16 * 1024;
            if (_options.UnixSocketPath is { } path)
            {
                PrepareSocketPath(path);
                kestrel.ListenUnixSocket(path, o => o.Protocols = HttpProtocols.Http2);
            }
            if (_options.TcpEndPoint is { } endPoint)
            {
                kestrel.Listen(endPoint, o => o.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddRouting();
        builder.Services.AddGrpc(o =>
        {
            // A GetFlows request with its filters is a few KiB: bound what one request may make the server buffer.
            o.MaxReceiveMessageSize = MaxRequestBytes;
        });
        builder.Services.AddSingleton(new ObserverService(Ring, AgentEvents, node, () => _ringMetrics.LostEvents("OBSERVER_EVENTS_QUEUE"), _stopping.Token));
        builder.Services.AddSingleton(new PeerService(node, _stopping.Token));
        builder.Services.AddSingleton(new HealthService(_stopping.Token));
        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<ObserverService>();
        app.MapGrpcService<PeerService>();
        app.MapGrpcService<HealthService>();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            if (_options.UnixSocketPath is { } socketPath)
            {
                File.Delete(socketPath);
            }
            throw;
        }
        _app = app;

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            if (address.StartsWith("http://", StringComparison.Ordinal) && !address.StartsWith("http://unix:", StringComparison.Ordinal))
            {
                TcpPort = new Uri(address).Port;
            }
        }
        var listening = string.Join(", ", addresses);
        Log.ServerListening(_logger, listening);
    }

    private string NodeAddress()
    {
        if (_options.TcpEndPoint is { } endPoint)
        {
            return endPoint.Port == 0 ? endPoint.Address.ToString() : endPoint.ToString();
        }
        return "unix://" + _options.UnixSocketPath;
    }

    private static void PrepareSocketPath(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        // A socket left by a previous run would make bind fail.
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
