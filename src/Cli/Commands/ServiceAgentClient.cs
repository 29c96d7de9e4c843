using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;

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
    public async Task<JsonElement> ListAsync(CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync("v1/service", ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new IOException("cannot reach the agent at unix://" + SocketPath + " (" + e.Message + "); is ciliuml7-agent running? (-H to pick another socket)", e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new IOException("agent answered " + (int)response.StatusCode + " to GET /v1/service: " + body);
            }
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.Clone();
        }
    }

    public void Dispose() => _http.Dispose();
}
