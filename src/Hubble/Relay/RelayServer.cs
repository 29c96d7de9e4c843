using CiliumL7.Hubble.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Hubble.Relay;

/// <summary>
/// Hubble Relay: cluster-wide observer.Observer over every node's Hubble.
/// <code>
///   agents' peer.Peer/Notify ──► PeerDiscovery (nodes by name, address)
///   client GetFlows ──► RelayObserverService ──► each node's Observer (backlog merged; followers ─► SortBuffer)
/// </code>
/// </summary>
public sealed class RelayServer : IAsyncDisposable
{
    private readonly RelayOptions _options;
    private readonly ILogger _logger;
    private readonly PeerDiscovery _discovery;
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;

    public RelayServer(RelayOptions options)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Hubble Relay: " + string.Join("; ", errors));
        }
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger("CiliumL7.Hubble.Relay") ?? NullLogger.Instance;
        _discovery = new PeerDiscovery(options, _logger);
    }

    /// <summary>The bound address once started ("127.0.0.1:4245").</summary>
    public string? Address { get; private set; }

    /// <summary>Node names discovered so far.</summary>
    public IReadOnlyList<string> KnownNodes => [.. _discovery.Peers().Select(p => p.Name)];

    /// <summary>Starts discovery and serves observer.Observer on <see cref="RelayOptions.ListenAddress"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("Hubble Relay is already started");
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = Server.HubbleServer.MaxRequestBytes;
            kestrel.Listen(_options.ListenAddress, o => o.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddRouting();
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = Server.HubbleServer.MaxRequestBytes);
        builder.Services.AddSingleton(new RelayObserverService(_discovery, _options, _logger, _stopping.Token));
        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<RelayObserverService>();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"Hubble Relay cannot listen on {_options.ListenAddress}: {e.Message}. Pick another --listen-address.", e);
        }
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        Address = addresses?.FirstOrDefault()?.Replace("http://", "", StringComparison.Ordinal) ?? _options.ListenAddress.ToString();
        _discovery.Start();
        Log.RelayListening(_logger, Address);
    }

    /// <summary>Ends open streams, stops listening and discovery.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
        await _discovery.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
