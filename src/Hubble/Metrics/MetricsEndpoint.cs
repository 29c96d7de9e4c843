using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Hubble.Metrics;

/// <summary>
/// Serves <c>GET /metrics</c> (Prometheus text format) from a
/// <see cref="MetricsRegistry"/> on its own small Kestrel listener
/// (Cilium's default port is 9962).
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    /// <summary>Cilium agent's default Prometheus port.</summary>
    public const int DefaultPort = 9962;

    private readonly MetricsRegistry _registry;
    private readonly IPEndPoint _endPoint;
    private WebApplication? _app;

    /// <summary>Creates an endpoint for <paramref name="registry"/> on <paramref name="endPoint"/> (port 0 picks a free one).</summary>
    public MetricsEndpoint(MetricsRegistry registry, IPEndPoint endPoint)
    {
        _registry = registry;
        _endPoint = endPoint;
    }

    /// <summary>The bound port once started.</summary>
    public int Port { get; private set; }

    /// <summary>Starts listening.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(_endPoint));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.Run(async context =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) || context.Request.Path != "/metrics")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.WriteAsync(_registry.Render(), context.RequestAborted).ConfigureAwait(false);
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Port = address is null ? _endPoint.Port : new Uri(address).Port;
    }

    /// <summary>Stops listening.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
