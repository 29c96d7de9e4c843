using System.Net;
using System.Reflection;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using CiliumL7.Hubble.Export;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Hubble.Ui;

/// <summary>
/// The Hubble UI: one page (HTML/JS/CSS embedded in this assembly) and a server-sent-events feed
/// of Hubble's GetFlows (follow) read from the agent's Observer API.
/// <code>
///   browser ── GET /            index.html, app.js, app.css (embedded resources)
///           ── GET /api/flows   text/event-stream: one "data: {flow JSON}" per flow ◄── GetFlows(follow) ◄── agent
///           ── GET /api/generate?namespace=&amp;selector=   least-privilege policy YAML for one workload ◄── GetFlows ◄── agent
/// </code>
/// </summary>
public sealed class HubbleUiServer : IAsyncDisposable
{
    /// <summary>Flows replayed to a new page before following (the ring's recent history).</summary>
    public const int Backlog = 2000;

    private readonly WebApplication _app;

    private HubbleUiServer(WebApplication app) => _app = app;

    /// <summary>The address the UI listens on (with the actual port when 0 was asked).</summary>
    public Uri Address => new(_app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Starts serving on <paramref name="listen"/>, reading flows from <paramref name="hubbleServer"/>.</summary>
    public static async Task<HubbleUiServer> StartAsync(IPEndPoint listen, string hubbleServer, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(listen));
        builder.Services.AddSingleton(_ => HubbleChannel.Create(hubbleServer));
        var app = builder.Build();
        foreach (var (path, name, type) in new[]
        {
            ("/", "index.html", "text/html; charset=utf-8"),
            ("/app.js", "app.js", "text/javascript; charset=utf-8"),
            ("/app.css", "app.css", "text/css; charset=utf-8"),
        })
        {
            var bytes = Asset(name);
            app.MapGet(path, () => Results.Bytes(bytes, type));
        }
        app.MapGet("/api/flows", (HttpContext context, Grpc.Net.Client.GrpcChannel channel) => StreamFlowsAsync(context, channel, hubbleServer));
        app.MapGet("/api/generate", async (HttpContext context, Grpc.Net.Client.GrpcChannel channel) =>
        {
            var q = context.Request.Query;
            var (status, body) = await UiPolicyGenerator.GenerateAsync(new Observer.ObserverClient(channel), q["namespace"], q["selector"], q["l7"], context.RequestAborted)
                .ConfigureAwait(false);
            return Results.Text(body.ToJsonString(), "application/json; charset=utf-8", statusCode: status);
        });
        await app.StartAsync(ct).ConfigureAwait(false);
        return new HubbleUiServer(app);
    }

    /// <summary>An embedded asset's bytes.</summary>
    public static byte[] Asset(string name)
    {
        using var stream = typeof(HubbleUiServer).Assembly.GetManifestResourceStream("hubble-ui/" + name)
            ?? throw new InvalidOperationException($"the Hubble UI asset {name} is not embedded in {typeof(HubbleUiServer).Assembly.GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static async Task StreamFlowsAsync(HttpContext context, Grpc.Net.Client.GrpcChannel channel, string server)
    {
        var ct = context.RequestAborted;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsync(": connected to " + server + "\n\n", ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
        var client = new Observer.ObserverClient(channel);
        try
        {
            using var call = client.GetFlows(new GetFlowsRequest { Follow = true, Number = Backlog }, cancellationToken: ct);
            while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
            {
                var response = call.ResponseStream.Current;
                if (response.Flow is null)
                {
                    continue;
                }
                await context.Response.WriteAsync("data: " + FlowExporter.FormatLine(response) + "\n\n", ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (RpcException e) when (ct.IsCancellationRequested || e.StatusCode == StatusCode.Cancelled)
        {
        }
        catch (RpcException e)
        {
            await context.Response.WriteAsync("event: error\ndata: cannot read flows from " + server + ": " + e.Status.Detail.Replace('\n', ' ') + "\n\n", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Stops serving (open feeds end).</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
