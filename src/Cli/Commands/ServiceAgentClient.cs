using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CiliumL7.Cli;

/// <summary>
/// Minimal client of the agent's <c>/v1/service</c> API over its unix
/// socket (<c>-H unix:///path/agent.sock</c>, else <c>$CILIUML7_AGENT_SOCKET</c>,
/// else /var/run/ciliuml7/agent.sock).
/// </summary>
internal sealed class ServiceAgentClient : IDisposable
{
    public const string DefaultSocket = "/var/run/ciliuml7/agent.sock";

    private readonly HttpClient _http;

    public ServiceAgentClient(string socketPath)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://agent/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string SocketPath { get; }

    /// <summary><c>unix:///p</c> or <c>/p</c> → <c>/p</c>; null → env or default.</summary>
    public static string ResolveSocketPath(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            host = Environment.GetEnvironmentVariable("CILIUML7_AGENT_SOCKET");
        }
        if (string.IsNullOrEmpty(host))
        {
            return DefaultSocket;
        }
        if (host.StartsWith("unix://", StringComparison.Ordinal))
        {
            return host["unix://".Length..];
        }
        if (host.StartsWith('/'))
        {
            return host;
        }
        throw new ArgumentException("-H " + host + ": only unix:///path/agent.sock addresses are supported");
    }

    /// <summary>GET /v1/service as a JSON array.</summary>
    public Task<JsonElement> ListAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, "v1/service", null, ct);

    /// <summary>PUT /v1/service: creates or updates; returns the service as the agent holds it.</summary>
    public Task<JsonElement> UpsertAsync(JsonNode spec, CancellationToken ct) => SendAsync(HttpMethod.Put, "v1/service", spec, ct);

    /// <summary>DELETE /v1/service/{ns}/{name}; false when the agent had no such service.</summary>
    public async Task<bool> DeleteAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, "v1/service/" + Uri.EscapeDataString(ns) + "/" + Uri.EscapeDataString(name), null, ct).ConfigureAwait(false);
            return true;
        }
        catch (ServiceNotFoundException)
        {
            return false;
        }
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }
        if (!File.Exists(SocketPath))
        {
            throw new IOException("no agent socket at " + SocketPath + "; is ciliuml7-agent running? (-H unix:///path/agent.sock to pick another)");
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new IOException("cannot reach the agent at unix://" + SocketPath + " (" + e.Message + "); is ciliuml7-agent running? (-H to pick another socket)", e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound && method != HttpMethod.Get)
            {
                throw new ServiceNotFoundException();
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new IOException(ErrorText(text) ?? ("agent answered " + (int)response.StatusCode + " to " + method + " /" + path + ": " + text));
            }
            if (text.Length == 0)
            {
                return default;
            }
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
    }

    private static string? ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class ServiceNotFoundException : Exception;

    public void Dispose() => _http.Dispose();
}
