using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Proxy.Tests.Support;

/// <summary>
/// A Kestrel backend on 127.0.0.1 speaking HTTP/1.1 or HTTP/2 prior knowledge
/// (Kestrel cannot serve both on one cleartext port):
/// records every request, answers <c>ok PROTOCOL METHOD TARGET</c>, plays a
/// gRPC server (application/grpc → echo + grpc-status trailer) and echoes
/// WebSocket messages.
/// </summary>
public sealed class KestrelRecordingBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private KestrelRecordingBackend(WebApplication app) => _app = app;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public IPEndPoint EndPoint { get; private set; } = null!;

    public static async Task<KestrelRecordingBackend> StartAsync(HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
        var app = builder.Build();
        var backend = new KestrelRecordingBackend(app);
        app.UseWebSockets();
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        backend.EndPoint = new IPEndPoint(IPAddress.Loopback, address.Port);
        return backend;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var body = new MemoryStream();
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await request.Body.CopyToAsync(body);
        }
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var h in request.Headers)
        {
            headers.Add(new(h.Key, h.Value.ToString()));
        }
        _requests.Enqueue(new RecordedRequest(request.Method, raw, request.Protocol, headers, body.ToArray()));
        if (context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
            }
        }
        if (request.ContentType == "application/grpc")
        {
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "0");
            await context.Response.Body.WriteAsync(body.ToArray());
            return;
        }
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync($"ok {request.Protocol} {request.Method} {raw}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
